import KafkaClient
import Synchronization

/// Collects the records a listener under test received, and waits for them.
///
/// ```swift
/// let received = ReceivedRecords()
/// // in the listener: received.append(record)
/// try await received.waitForCount(100)
/// ```
public final class ReceivedRecords: Sendable {
    private let records = Mutex<[ConsumerRecord]>([])

    /// An empty collection.
    public init() {}

    /// Notes a record.
    public func append(_ record: ConsumerRecord) { records.withLock { $0.append(record) } }

    /// The records so far, in the order they were noted.
    public var all: [ConsumerRecord] { records.withLock { $0 } }

    /// How many records were noted.
    public var count: Int { records.withLock { $0.count } }

    /// Waits until at least `count` records were noted; fails after `timeout` with how many there were.
    public func waitForCount(_ count: Int, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("\(count) records received", timeout: timeout, observed: { "\(self.count) received" }) {
            self.count >= count
        }
    }
}
