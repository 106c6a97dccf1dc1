import KafkaClient
import Synchronization

/// What a listener asked of its container through its ``ListenerContext``, as recorded by a
/// ``ListenerCallRecorder``.
public enum ListenerCall: Sendable, Hashable, CustomStringConvertible {
    /// `acknowledgment.acknowledge()` or `acknowledge(upTo:)`: these records, in order.
    case acknowledge([RecordPosition])
    /// `acknowledgment.nack(index:sleep:)`: the record at `position` (the call's record at `index`) is to be
    /// delivered again after `sleep`; `acknowledging` are the earlier records of its partition, which count as
    /// acknowledged.
    case nack(RecordPosition, index: Int, sleep: Duration, acknowledging: [RecordPosition])
    /// `seek(_:to:)`: the partition and where to (an offset given as a number is ``SeekPosition/offset(_:)``).
    case seek(TopicPartition, to: SeekPosition)

    public var description: String {
        switch self {
        case .acknowledge(let positions): "acknowledge(\(positions.map(\.description).joined(separator: ", ")))"
        case .nack(let position, let index, let sleep, _): "nack(\(position), index: \(index), sleep: \(sleep))"
        case .seek(let tp, let position): "seek(\(tp), to: \(position))"
        }
    }
}

/// A record's place: its partition and offset.
public struct RecordPosition: Sendable, Hashable, CustomStringConvertible {
    /// The record's partition.
    public var topicPartition: TopicPartition
    /// The record's offset.
    public var offset: Int64

    /// Creates a position.
    public init(_ topicPartition: TopicPartition, _ offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    /// The position of `record`.
    public init(of record: ConsumerRecord) { self.init(record.topicPartition, record.offset) }

    public var description: String { "\(topicPartition)@\(offset)" }
}

/// Makes ``ListenerContext``s without a container, for tests, and records what listeners do with them:
/// acknowledgements, nacks and seeks (see ``calls``).
///
/// ```swift
/// let recorder = ListenerCallRecorder(endpoint: endpoint)
/// try await handler(record, recorder.context(for: record))
/// #expect(recorder.calls == [.acknowledge([RecordPosition(of: record)])])
/// ```
/// Nothing is carried out: a nack or a seek is only recorded. As with a container, `nack` throws
/// ``ListenerError/invalidState(_:)`` unless the endpoint's ack mode is manual; acknowledging in an automatic
/// mode is recorded (a container ignores it).
public final class ListenerCallRecorder: Sendable {
    /// The endpoint the contexts report.
    public let endpoint: ListenerEndpoint
    /// The container id the contexts report (`<listener id>-0` by default, like a first child container).
    public let containerId: String
    private let recorded = Mutex<[ListenerCall]>([])

    /// Creates a recorder whose contexts report `endpoint` and `containerId`.
    public init(endpoint: ListenerEndpoint, containerId: String? = nil) {
        self.endpoint = endpoint
        self.containerId = containerId ?? "\(endpoint.id)-0"
    }

    /// A context for a record listener's call on `record`.
    public func context(for record: ConsumerRecord) -> ListenerContext {
        let scope = RecordScope.record(record.topicPartition, record.offset)
        return ListenerContext(scope: scope, control: RecordingControl(recorder: self, entries: scope.entries))
    }

    /// A context for a batch listener's call on `records`.
    public func context(for records: [ConsumerRecord]) -> ListenerContext {
        let scope = RecordScope.batch(records)
        return ListenerContext(scope: scope, control: RecordingControl(recorder: self, entries: scope.entries))
    }

    /// Everything recorded so far, in order.
    public var calls: [ListenerCall] { recorded.withLock { $0 } }

    /// Forgets what was recorded.
    public func reset() { recorded.withLock { $0.removeAll() } }

    fileprivate func append(_ call: ListenerCall) { recorded.withLock { $0.append(call) } }
}

/// The container side of a recorder's contexts.
private struct RecordingControl: ContainerControl {
    let recorder: ListenerCallRecorder
    /// The records of the call, to name a nacked record's position in it.
    let entries: [(TopicPartition, Int64)]

    var id: String { recorder.containerId }
    var listenerId: String { recorder.endpoint.id }
    var endpoint: ListenerEndpoint { recorder.endpoint }

    func acknowledge(_ records: [(TopicPartition, Int64)]) {
        recorder.append(.acknowledge(records.map { RecordPosition($0.0, $0.1) }))
    }

    func nack(
        _ partition: TopicPartition, offset: Int64, sleep: Duration, acknowledging: [(TopicPartition, Int64)]
    ) throws {
        guard endpoint.ackMode.isManual else {
            throw ListenerError.invalidState(
                "nack is only available in manual ack modes; '\(listenerId)' uses \(endpoint.ackMode)")
        }
        let index = entries.firstIndex { $0.0 == partition && $0.1 == offset } ?? 0
        recorder.append(
            .nack(
                RecordPosition(partition, offset), index: index, sleep: sleep,
                acknowledging: acknowledging.map { RecordPosition($0.0, $0.1) }))
    }

    func seek(_ partition: TopicPartition, to position: SeekPosition) {
        recorder.append(.seek(partition, to: position))
    }
}
