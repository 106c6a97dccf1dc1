// Throttling: the seed's set-up (003) on EmbeddedKafka. One topic with 6 partitions, a record listener with
// concurrency 3 and max.poll.records 5, ack mode batch, 100 messages, and a CPU monitor that reports 5 % more on
// every call (50 %, 55 %, … up to 90 %). Each child container is paused (never slept) for the seed's quadratic
// delay after every poll; the lines show each pause and resume per child container.
//
//   swift run Throttling
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging
import Synchronization

/// The seed's fake CPU monitor: 5 % more on each call, up to 90 %.
final class RisingCPU: LoadMonitor {
    private let percent = Mutex(45.0)
    func load() async -> Double {
        percent.withLock { value in
            value = min(90, value + 5)
            return value
        }
    }
}

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

let kafka = try await EmbeddedKafka.start()
let topic = "throttling-demo"
try kafka.createTopic(topic, partitions: 6)
let registry = ListenerRegistry(baseConfiguration: kafka.configuration())
let handled = Mutex(0)
let started = ContinuousClock.now
func elapsed() -> String {
    String(
        format: "%6.2f s",
        Double((ContinuousClock.now - started).components.attoseconds) / 1e18
            + Double((ContinuousClock.now - started).components.seconds))
}

let curve = QuadraticDelay()
let container = try registry.register(
    ListenerEndpoint(
        id: "throttled", selection: .topics([topic]),
        listener: .record { record, context in
            let count = handled.withLock { count in
                count += 1
                return count
            }
            say(
                "\(elapsed())  \(context.containerId) handled \(record.topic)-\(record.partition)@\(record.offset) (\(count)/100)"
            )
        },
        concurrency: 3, ackMode: .batch, maxPollRecords: 5, throttle: Throttle(monitor: RisingCPU(), calculator: curve))
)

let events = registry.events.subscribe()
let printer = Task {
    for await event in events {
        switch event.kind {
        case .paused(let tps, .throttle, let resumeAt):
            let delay = resumeAt.map { $0 - .now } ?? .zero
            say(
                "\(elapsed())  \(event.containerId) PAUSED  \(tps.map(\.description).joined(separator: ",")) for about \(delay.formatted(.units(allowed: [.milliseconds])))"
            )
        case .resumed(let tps):
            say("\(elapsed())  \(event.containerId) RESUMED \(tps.map(\.description).joined(separator: ","))")
        default:
            break
        }
    }
}

try await registry.startAll()
say("waiting for the 3 children to get 2 partitions each…")
while !container.children.allSatisfy({ $0.assignedPartitions.count == 2 }) {
    try await Task.sleep(for: .milliseconds(50))
}
let producer = try KafkaProducer(configuration: kafka.configuration())
for i in 0..<100 {
    try await producer.sendAndForget(ProducerRecord(topic: topic, key: "key-\(i)", value: "message-\(i)"))
}
try await producer.flush()
await producer.close()
let deadline = ContinuousClock.now + .seconds(60)
while handled.withLock({ $0 }) < 100 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
say(
    "\nhandled \(handled.withLock { $0 }) of 100 in \(elapsed()); last delay per child: "
        + container.status.map { "\($0.id) \($0.throttleDelay.map { "\($0)" } ?? "-")" }.joined(separator: ", "))
say(
    "curve: 50 % → \(curve.delay(forLoad: 50)), 65 % → \(curve.delay(forLoad: 65)), 80 % → \(curve.delay(forLoad: 80)), 90 % → \(curve.delay(forLoad: 90))"
)
await registry.stopAll()
printer.cancel()
await kafka.stop()
