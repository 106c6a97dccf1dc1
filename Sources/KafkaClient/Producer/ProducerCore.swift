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

    private static func produceva(
        _ rk: OpaquePointer, _ record: ProducerRecord, opaque: UnsafeMutableRawPointer?
    ) -> rd_kafka_resp_err_t {
        // Headers go in as one list the application owns until librdkafka accepts the message (it copies each
        // header in). Passed one by one instead, librdkafka before 2.12.0 frees them twice when the message names a
        // partition the topic lacks (librdkafka #4627): the process crashes where it should get an error.
        var headers: OpaquePointer?
        if !record.headers.isEmpty, let list = rd_kafka_headers_new(record.headers.count) {
            headers = list
            for header in record.headers {
                let added = header.key.withCString { name in
                    if let value = header.value {
                        // An empty value stays empty (a non-null pointer), not null.
                        if value.isEmpty { return rd_kafka_header_add(list, name, -1, UnsafeRawPointer(emptyByte), 0) }
                        return value.withUnsafeBytes { rd_kafka_header_add(list, name, -1, $0.baseAddress, $0.count) }
                    }
                    return rd_kafka_header_add(list, name, -1, nil, 0)
                }
                if added != RD_KAFKA_RESP_ERR_NO_ERROR {
                    rd_kafka_headers_destroy(list)
                    return added
                }
            }
        }
        let code = enqueue(rk, record, opaque: opaque, headers: headers)
        // On failure the list stays the application's; on success librdkafka owns it.
        if code != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return code
    }

    private static func enqueue(
        _ rk: OpaquePointer, _ record: ProducerRecord, opaque: UnsafeMutableRawPointer?, headers: OpaquePointer?
    ) -> rd_kafka_resp_err_t {
        return record.topic.withCString { topic in
            withBytes(record.key) { keyPointer, keyCount in
                withBytes(record.value) { valuePointer, valueCount in
                    var vus: [rd_kafka_vu_t] = []
                    vus.reserveCapacity(8)
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
                    if let headers {
                        vu = rd_kafka_vu_t()
                        vu.vtype = RD_KAFKA_VTYPE_HEADERS
                        vu.u.headers = headers
                        vus.append(vu)
                    }
                    guard let error = vus.withUnsafeBufferPointer({ rd_kafka_produceva(rk, $0.baseAddress, $0.count) })
                    else {
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
                type == RD_KAFKA_TIMESTAMP_CREATE_TIME
                ? .createTime : type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? .logAppendTime : .notAvailable
            result = .success(
                RecordMetadata(
                    topic: topic, partition: m.partition, offset: m.offset,
                    timestamp: RecordTimestamp(kind: kind, milliseconds: ms)))
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
            logger.error(
                "closing producer with \(remaining) undelivered records after \(timeout.formattedSeconds); they fail with _PURGE_QUEUE"
            )
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
