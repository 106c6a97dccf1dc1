import Crdkafka
import Foundation
import Logging
import Synchronization

/// The producer's native state. `produce` may be called from any thread; it holds `gate` for the
/// duration of the (non-blocking) `rd_kafka_produceva` call, and `close` takes the same lock to mark the
/// handle closed before destroying it, so no produce can race the destroy. Polling and closing run on
/// the producer's own thread.
final class ProducerCore: Sendable {
    let handle: NativeHandle
    let logger: Logger
    private let gate = Mutex<Bool>(false)  // true once closed
    let onDeliveryFailure: (@Sendable (ProducerRecordFailure) -> Void)?

    init(handle: NativeHandle, logger: Logger, onDeliveryFailure: (@Sendable (ProducerRecordFailure) -> Void)?) {
        self.handle = handle
        self.logger = logger
        self.onDeliveryFailure = onDeliveryFailure
        handle.callbacks.delivery.withLock {
            $0 = .init { [weak self] message in self?.delivered(message) }
        }
    }

    var isClosed: Bool { gate.withLock { $0 } }

    /// Enqueues `record`; returns librdkafka's error code (`_QUEUE_FULL` means try again later).
    func produce(_ record: ProducerRecord, opaque: UnsafeMutableRawPointer?) throws -> rd_kafka_resp_err_t {
        try gate.withLock { closed in
            if closed { throw KafkaError.closed(operation: "send to '\(record.topic)'") }
            return Self.produceva(handle.pointer, record, opaque: opaque)
        }
    }

    // A never-freed, never-written byte: the non-NULL pointer librdkafka needs for an empty value.
    nonisolated(unsafe) private static let emptyByte = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    private static func withBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeMutableRawPointer?, Int) -> R) -> R {
        guard let bytes else { return body(nil, 0) }
        if bytes.isEmpty { return body(emptyByte, 0) }
        return bytes.withUnsafeBytes { body(UnsafeMutableRawPointer(mutating: $0.baseAddress!), $0.count) }
    }

    private static func produceva(_ rk: OpaquePointer, _ record: ProducerRecord, opaque: UnsafeMutableRawPointer?) -> rd_kafka_resp_err_t {
        // Header names and values are laid out in one scratch buffer for the call (librdkafka copies).
        var headerBuffer: UnsafeMutableRawPointer?
        defer { headerBuffer?.deallocate() }
        var headerEntries: [(name: UnsafePointer<CChar>, value: UnsafeRawPointer?, size: Int)] = []
        if !record.headers.isEmpty {
            let total = record.headers.reduce(0) { $0 + $1.key.utf8.count + 1 + ($1.value?.count ?? 0) }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 1)
            headerBuffer = buffer
            var cursor = buffer
            for header in record.headers {
                let name = cursor
                let keyBytes = Array(header.key.utf8)
                keyBytes.withUnsafeBytes { if let base = $0.baseAddress { cursor.copyMemory(from: base, byteCount: keyBytes.count) } }
                cursor += keyBytes.count
                cursor.storeBytes(of: 0, as: UInt8.self)
                cursor += 1
                var valuePointer: UnsafeRawPointer?
                if let value = header.value {
                    valuePointer = UnsafeRawPointer(cursor)
                    value.withUnsafeBytes { if let base = $0.baseAddress { cursor.copyMemory(from: base, byteCount: value.count) } }
                    cursor += value.count
                }
                headerEntries.append((UnsafePointer(name.assumingMemoryBound(to: CChar.self)), valuePointer, header.value?.count ?? -1))
            }
        }
        return record.topic.withCString { topic in
            withBytes(record.key) { keyPointer, keyCount in
                withBytes(record.value) { valuePointer, valueCount in
                    var vus: [rd_kafka_vu_t] = []
                    vus.reserveCapacity(8 + headerEntries.count)
                    var vu = rd_kafka_vu_t()
                    vu.vtype = RD_KAFKA_VTYPE_TOPIC
                    vu.u.cstr = topic
                    vus.append(vu)
                    vu = rd_kafka_vu_t()
                    vu.vtype = RD_KAFKA_VTYPE_PARTITION
                    vu.u.i32 = record.partition ?? RD_KAFKA_PARTITION_UA
                    vus.append(vu)
                    vu = rd_kafka_vu_t()
                    vu.vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    vu.u.i = RD_KAFKA_MSG_F_COPY
                    vus.append(vu)
                    vu = rd_kafka_vu_t()
                    vu.vtype = RD_KAFKA_VTYPE_VALUE
                    vu.u.mem.ptr = valuePointer
                    vu.u.mem.size = valueCount
                    vus.append(vu)
                    if keyPointer != nil {
                        vu = rd_kafka_vu_t()
                        vu.vtype = RD_KAFKA_VTYPE_KEY
                        vu.u.mem.ptr = keyPointer
                        vu.u.mem.size = keyCount
                        vus.append(vu)
                    }
                    if let opaque {
                        vu = rd_kafka_vu_t()
                        vu.vtype = RD_KAFKA_VTYPE_OPAQUE
                        vu.u.ptr = opaque
                        vus.append(vu)
                    }
                    if let timestamp = record.timestampMilliseconds {
                        vu = rd_kafka_vu_t()
                        vu.vtype = RD_KAFKA_VTYPE_TIMESTAMP
                        vu.u.i64 = timestamp
                        vus.append(vu)
                    }
                    for header in headerEntries {
                        vu = rd_kafka_vu_t()
                        vu.vtype = RD_KAFKA_VTYPE_HEADER
                        vu.u.header.name = header.name
                        vu.u.header.val = header.value
                        vu.u.header.size = header.size
                        vus.append(vu)
                    }
                    guard let error = vus.withUnsafeBufferPointer({ rd_kafka_produceva(rk, $0.baseAddress, $0.count) }) else {
                        return RD_KAFKA_RESP_ERR_NO_ERROR
                    }
                    let code = rd_kafka_error_code(error)
                    rd_kafka_error_destroy(error)
                    return code
                }
            }
        }
    }

    /// The delivery-report callback, on the producer's thread.
    private func delivered(_ message: UnsafePointer<rd_kafka_message_t>) {
        let m = message.pointee
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let result: Result<RecordMetadata, KafkaError>
        if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let ms = rd_kafka_message_timestamp(message, &type)
            let kind: RecordTimestamp.Kind =
                type == RD_KAFKA_TIMESTAMP_CREATE_TIME ? .createTime : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? .logAppendTime : .notAvailable
            result = .success(
                RecordMetadata(topic: topic, partition: m.partition, offset: m.offset, timestamp: RecordTimestamp(kind: kind, milliseconds: ms)))
        } else {
            result = .failure(.rdkafka(m.err, operation: "deliver a record to '\(topic)'"))
        }
        if let opaque = m._private {
            Unmanaged<DeliveryWaiter>.fromOpaque(opaque).takeRetainedValue().complete(result)
        } else if case .failure(let error) = result {
            logger.error("fire-and-forget delivery failed: \(error)")
            onDeliveryFailure?(ProducerRecordFailure(topic: topic, partition: m.partition, error: error))
        }
    }

    /// Serves delivery reports for up to `timeout`; runs on the producer's thread.
    func serve(timeout: Duration) {
        if !isClosed { rd_kafka_poll(handle.pointer, timeout.milliseconds) }
    }

    /// Waits until every queued record is delivered or `timeout` passes; returns how many remain.
    func flush(timeout: Duration) -> Int32 {
        guard !isClosed else { return 0 }
        _ = rd_kafka_flush(handle.pointer, timeout.milliseconds)
        return rd_kafka_outq_len(handle.pointer)
    }

    /// Delivers what is queued (up to `timeout`), fails what remains, and destroys the handle.
    func close(timeout: Duration) {
        guard !isClosed else { return }
        let remaining = flush(timeout: timeout)
        if remaining > 0 {
            logger.error("closing producer with \(remaining) undelivered records after \(timeout.formattedSeconds); they fail with _PURGE_QUEUE")
            _ = rd_kafka_purge(handle.pointer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            _ = rd_kafka_flush(handle.pointer, 1000)
        }
        gate.withLock { $0 = true }
        handle.destroy()
    }
}

/// A fire-and-forget record that could not be delivered.
public struct ProducerRecordFailure: Sendable, CustomStringConvertible {
    /// The record's topic.
    public var topic: String
    /// The partition it was bound for (`-1` if none was chosen).
    public var partition: Int32
    /// Why delivery failed.
    public var error: KafkaError

    public var description: String { "delivery to \(topic)-\(partition) failed: \(error)" }
}
