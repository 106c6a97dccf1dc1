import KafkaClient
import KafkaListenersTesting
import Testing

@Suite("Consumer groups and rebalancing", .timeLimit(.minutes(10)))
struct ConsumerGroupTests {
    @Test(
        "two consumers split six partitions; a third join revokes before it assigns",
        arguments: [PartitionAssignmentStrategy.range, .cooperativeSticky])
    func groupSplitAndRebalance(strategy: PartitionAssignmentStrategy) async throws {
        let topic = try TestCluster.topic("group-\(strategy.rawValue)", partitions: 6)
        let group = TestCluster.unique("group")
        var config = TestCluster.consumerConfig(group: group)
        config.partitionAssignmentStrategy = [strategy]
        let a = try PollingConsumer("a", configuration: config)
        let b = try PollingConsumer("b", configuration: config)
        try await a.start(topics: [topic])
        try await b.start(topics: [topic])

        try await waitUntil(
            "a and b each own 3 partitions", observed: { "a: \(a.assignment.sorted()), b: \(b.assignment.sorted())" }
        ) {
            a.assignment.count == 3 && b.assignment.count == 3
        }
        #expect(a.assignment.isDisjoint(with: b.assignment))
        #expect(a.assignment.union(b.assignment) == Set((0..<6).map { TopicPartition(topic, $0) }))

        let c = try PollingConsumer("c", configuration: config)
        try await c.start(topics: [topic])
        try await waitUntil(
            "a, b and c each own 2 partitions",
            observed: { "a: \(a.assignment.sorted()), b: \(b.assignment.sorted()), c: \(c.assignment.sorted())" }
        ) {
            a.assignment.count == 2 && b.assignment.count == 2 && c.assignment.count == 2
        }

        // Every partition c received was revoked from its previous owner before c was assigned it.
        let cAssigned = c.snapshot.events.filter { $0.event.kind == .assigned }
        #expect(!cAssigned.isEmpty)
        for (sequence, event) in cAssigned {
            for partition in event.partitions {
                let revokedEarlier = (a.snapshot.events + b.snapshot.events).contains {
                    $0.event.kind == .revoked && $0.event.partitions.contains(partition) && $0.sequence < sequence
                }
                #expect(revokedEarlier, "\(partition) was assigned to c (#\(sequence)) without an earlier revoke")
            }
        }
        let protocols = Set((a.snapshot.events + c.snapshot.events).map(\.event.rebalanceProtocol))
        #expect(protocols == [strategy == .cooperativeSticky ? .cooperative : .eager])
        if strategy == .cooperativeSticky {
            // Incremental: a and b only give up the partitions that moved, never their whole assignment.
            let revokedFromA = a.snapshot.events.filter { $0.event.kind == .revoked }.flatMap(\.event.partitions)
            #expect(revokedFromA.count == 1, "a revoked \(revokedFromA)")
        }
        await a.close()
        await b.close()
        await c.close()
    }
}
