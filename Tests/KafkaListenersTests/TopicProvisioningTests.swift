import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("Topic declarations: created where missing, checked where present", .timeLimit(.minutes(3)))
struct TopicProvisioningTests {
    @Test(
        "at start, a missing declared topic is created with its partitions; an existing one with another count is reported and left alone"
    )
    func createdAndChecked() async throws {
        let embedded = try #require(kafka.embedded, "needs the embedded cluster")
        let fresh = kafka.unique("declared-new")
        let existing = try await kafka.topic("declared-old", partitions: 1)
        let handled = Mutex<[Int32]>([])
        let app = try KafkaApplication(kafka.configuration(), topicAdministration: embedded) {
            Topic(fresh, partitions: 3)
            Topic(existing, partitions: 2)
            Listen("declared-listener", topics: fresh) { (record: ConsumerRecord, _) in
                handled.withLock { $0.append(record.partition) }
            }
            .consumerProperty("auto.offset.reset", "earliest")
        }
        try await app.start()
        let topics = try await embedded.listTopics(includeInternal: false, timeout: .seconds(10))
        #expect(topics.first { $0.name == fresh }?.partitionCount == 3, "created with its declared partitions")
        #expect(topics.first { $0.name == existing }?.partitionCount == 1, "an existing topic is not changed")
        let again = try await app.provisionTopics()
        #expect(again.created.isEmpty)
        #expect(Set(again.existing) == [fresh, existing])
        #expect(again.mismatches == [PartitionCountMismatch(topic: existing, declared: 2, actual: 1)])
        try await kafka.produce(1, to: fresh, partition: 2)
        try await waitUntil("the listener reads the created topic", observed: { "\(handled.withLock { $0 })" }) {
            handled.withLock { $0 } == [2]
        }
        await app.stop()
    }

    @Test("a cluster that does not create the topic fails provisioning with an error naming it")
    func refusedNamesTheTopic() async throws {
        // librdkafka's mock cluster has no CreateTopics: the admin client's request goes unanswered.
        let admin = try KafkaAdmin(configuration: kafka.configuration())
        let name = kafka.unique("refused")
        await #expect {
            _ = try await TopicProvisioner(cluster: admin, timeout: .seconds(2)).provision([
                TopicDeclaration(name, partitions: 2)
            ])
        } throws: { error in
            guard case .notCreated(let topics, _) = error as? TopicProvisioningError else { return false }
            return topics == [name] && "\(error)".contains("'\(name)'")
        }
        await admin.close()
    }
}

@Suite("Topic declarations: checks without a cluster", .timeLimit(.minutes(1)))
struct TopicDeclarationTests {
    @Test("unusable and conflicting declarations are refused when the application is built, naming the topic")
    func refused() {
        let bad: [(TopicDeclaration, String)] = [
            (TopicDeclaration("", partitions: 1), ""),
            (TopicDeclaration("has space", partitions: 1), "has space"),
            (TopicDeclaration("ok", partitions: 0), "ok"),
            (TopicDeclaration("ok", partitions: 1, replicationFactor: 0), "ok"),
        ]
        for (declaration, name) in bad {
            do {
                try declaration.validate()
                Issue.record("\(declaration) was accepted")
            } catch let TopicProvisioningError.invalidDeclaration(topic, reason) {
                #expect(topic == name, "the error names the topic (\(reason))")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(throws: TopicProvisioningError.conflictingDeclarations(topic: "t")) {
            _ = try KafkaApplication(KafkaConfiguration(bootstrapServers: "localhost:1")) {
                Topic("t", partitions: 1)
                Topic("t", partitions: 2)
            }
        }
        let same = try? TopicProvisioner.merged([
            TopicDeclaration("t", partitions: 2), TopicDeclaration("t", partitions: 2),
        ])
        #expect(same?.count == 1, "identical repeats merge")
    }

    @Test("topics declared inside groups and behind modifiers are found")
    func nested() throws {
        let app = try KafkaApplication(KafkaConfiguration(bootstrapServers: "localhost:1")) {
            ListenerGroup {
                Topic("a", partitions: 3)
                Topic("b").consumerProperty("fetch.min.bytes", "1")
            }
            Topic("c", partitions: 1, replicationFactor: 3, configs: ["cleanup.policy": "compact"])
        }
        #expect(app.topics.map(\.name) == ["a", "b", "c"])
        #expect(app.topics[2].configs == ["cleanup.policy": "compact"])
    }
}
