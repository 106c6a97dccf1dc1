import KafkaClient
import KafkaListenersTesting
import Testing

@Suite("Bad input gets a clear error", .timeLimit(.minutes(10)))
struct BadInputTests {
    @Test("an unknown configuration key names the key and librdkafka's reason")
    func unknownKey() throws {
        let config = KafkaConfiguration(bootstrapServers: "localhost:9092").with("no.such.key", "1")
        let error = try #require(throws: KafkaError.self) { try config.validate() }
        #expect(error.kind == .configuration)
        #expect(error.message.contains("no.such.key"))
        #expect(error.message.contains("No such configuration property"))
        #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: config.with("group.id", "g")) }
    }

    @Test("an invalid value names the key and the reason, and never prints a secret")
    func invalidValue() throws {
        var config = KafkaConfiguration()
        config.fetchMinBytes = -5
        let error = try #require(throws: KafkaError.self) { try config.validate() }
        #expect(error.message.contains("fetch.min.bytes"))
        #expect(error.message.contains("-5"))

        let secret = KafkaConfiguration().with("security.protocol", "nonsense").with("sasl.password", "hunter2")
        let secretError = try #require(throws: KafkaError.self) { try secret.validate() }
        #expect(secretError.message.contains("security.protocol"))
        #expect(!"\(secretError)".contains("hunter2"))
    }

    @Test("description redacts passwords, secrets and tokens")
    func redaction() {
        var config = KafkaConfiguration(bootstrapServers: "b:9092")
        config.saslPassword = "p1"
        config.sslKeyPassword = "p2"
        config["sasl.oauthbearer.client.secret"] = "p3"
        config["my.api.token"] = "p4"
        let text = config.description
        for secret in ["p1", "p2", "p3", "p4"] { #expect(!text.contains("=\(secret)")) }
        #expect(text.contains("sasl.password=[redacted]"))
        #expect(text.contains("bootstrap.servers=b:9092"))
    }

    @Test("typed properties read and write librdkafka keys")
    func typedProperties() throws {
        var config = KafkaConfiguration(bootstrapServers: "b:9092")
        config.groupId = "g"
        config.autoOffsetReset = .earliest
        config.enableAutoCommit = false
        config.sessionTimeout = .seconds(6)
        config.partitionAssignmentStrategy = [.cooperativeSticky]
        config.maxPollInterval = .seconds(300)
        #expect(config["session.timeout.ms"] == "6000")
        #expect(config["partition.assignment.strategy"] == "cooperative-sticky")
        #expect(config.autoOffsetReset == .earliest && config.enableAutoCommit == false)
        try config.validate()
    }

    @Test(
        "topic names that break a rule are rejected with the rule",
        arguments: [
            ("", "must not be empty"),
            (".", "'.' and '..' are not allowed"),
            ("..", "'.' and '..' are not allowed"),
            (String(repeating: "a", count: 250), "at most 249 characters"),
            ("orders topic", "character ' ' is not allowed"),
            ("주문", "is not allowed"),
            ("orders/eu", "character '/' is not allowed"),
            ("__consumer_offsets", "internal Kafka topic"),
            ("__transaction_state", "internal Kafka topic"),
        ])
    func topicNameRules(name: String, reason: String) {
        let error = #expect(throws: KafkaError.self) { try TopicName.validate(name) }
        #expect(error?.kind == .invalidTopicName)
        #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("legal topic names pass, 249 characters included")
    func legalNames() throws {
        for name in ["orders", "orders.v1", "orders_v1", "ORDERS-1", String(repeating: "x", count: 249)] {
            try TopicName.validate(name)
        }
    }

    @Test("a name differing from an existing one only by '.' versus '_' collides")
    func collision() {
        let error = #expect(throws: KafkaError.self) {
            try TopicName.validate("orders.eu", existing: ["orders_eu", "x"])
        }
        #expect(error?.message.contains("collides with existing topic 'orders_eu'") == true)
        #expect(throws: Never.self) { try TopicName.validate("orders.eu", existing: ["orders.eu", "orders-eu"]) }
    }

    @Test("clients refuse bad topic names before any request, and keep working")
    func clientsRejectBadNames() async throws {
        let producer = try KafkaProducer(configuration: TestCluster.producerConfig())
        await #expect(throws: KafkaError.self) {
            try await producer.send(ProducerRecord(topic: "bad name", value: "x"))
        }
        let topic = try TestCluster.topic("ok", partitions: 1)
        let metadata = try await producer.send(ProducerRecord(topic: topic, value: "still works"))
        #expect(metadata.offset == 0)
        await producer.close()

        let consumer = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: TestCluster.unique("bad")))
        await #expect(throws: KafkaError.self) { try await consumer.subscribe(topics: ["ok", "__consumer_offsets"]) }
        await #expect(throws: KafkaError.self) { try await consumer.assign([TopicPartitionOffset("a b", 0, 0)]) }
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        var records: [ConsumerRecord] = []
        try await waitUntil("the good record") {
            records += try await consumer.poll(timeout: .milliseconds(100))
            return !records.isEmpty
        }
        #expect(records.first?.valueString == "still works")
        await consumer.close()
    }

    @Test("EmbeddedKafka rejects bad topic arguments clearly")
    func embeddedBadArguments() {
        #expect(throws: KafkaError.self) { try TestCluster.shared.createTopic("bad name", partitions: 1) }
        let error = #expect(throws: KafkaError.self) { try TestCluster.shared.createTopic("fine", partitions: 0) }
        #expect(error?.kind == .invalidArgument)
    }
}
