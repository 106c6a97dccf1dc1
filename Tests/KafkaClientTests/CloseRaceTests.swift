import Foundation
import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@Suite("Closing a consumer while other threads wake it up", .timeLimit(.minutes(10)))
struct CloseRaceTests {
    @Test(
        "wake-ups from another thread before, during and after close: the close finishes (no hang), and wake-ups after it touch nothing freed (no crash)"
    )
    func wakeUpsDuringClose() async throws {
        let topic = try TestCluster.topic("close-race", partitions: 2)
        try await produce(10, to: topic)
        let group = TestCluster.unique("close-race")
        for round in 0..<2 {
            let consumer = try KafkaConsumer(configuration: TestCluster.consumerConfig(group: group))
            try await consumer.subscribe(topics: [topic])
            // A member of the group, with partitions: its close has a revoke and a leave to wait for.
            var polled = 0
            try await waitUntil("round \(round): records", observed: { "\(polled) records" }) {
                polled += try await consumer.poll(maxRecords: 100, timeout: .milliseconds(100)).count
                return polled > 0
            }
            // Another thread wakes the consumer up as fast as it can, before, during and after the close.
            let waking = WakeUpLoop(consumer)
            waking.start()
            let closed = ClosedFlag()
            let closing = Task {
                await consumer.close()
                closed.set()
            }
            try await waitUntil(
                "round \(round): the close finishes", timeout: .seconds(30), observed: { "\(waking.count) wake-ups" }
            ) {
                closed.value
            }
            await closing.value
            waking.stop()
            #expect(waking.count > 0)
        }
    }
}

/// Calls `wakeUp()` in a loop on a thread of its own.
final class WakeUpLoop: @unchecked Sendable {
    private let consumer: KafkaConsumer
    private let running = Atomic<Bool>(true)
    private let calls = Atomic<Int>(0)
    private let done = Mutex<Bool>(false)
    var count: Int { calls.load(ordering: .relaxed) }

    init(_ consumer: KafkaConsumer) { self.consumer = consumer }

    func start() {
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                consumer.wakeUp()
                calls.add(1, ordering: .relaxed)
            }
            done.withLock { $0 = true }
        }
        thread.start()
    }

    func stop() {
        running.store(false, ordering: .relaxed)
        while !done.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.001) }
    }
}

final class ClosedFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var value: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
