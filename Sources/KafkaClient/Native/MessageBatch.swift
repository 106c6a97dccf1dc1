import Crdkafka

/// A reusable buffer of `rd_kafka_message_t` pointers and the one fetch-and-convert routine every queue
/// poll uses (the consumer queue and split partition queues).
///
/// Used only on the owning consumer's thread. Every fetched message is destroyed by ``deliver(count:bytes:onError:each:)`` or ``collect(count:bytes:onError:)``.
struct MessageBatch {
    private var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var capacity: Int
    /// Whether headers are read in place (``LibrdkafkaQuirks/wireHeaders`` in effect for the consumer).
    let headersInPlace: Bool

    init(capacity: Int, headersInPlace: Bool) {
        self.capacity = capacity
        self.headersInPlace = headersInPlace
        self.buffer = .allocate(capacity: capacity)
    }

    /// Fills the buffer from `queue` with up to `maxRecords` messages: what is queued without waiting, or,
    /// if nothing is, the first to arrive within `timeout` and then what is ready. (consume_batch_queue
    /// with n > 1 would otherwise wait for the whole timeout.) Returns the count.
    mutating func fetch(from queue: OpaquePointer, maxRecords: Int, timeout: Duration, operation: String) throws -> Int
    {
        let want = max(1, maxRecords)
        if want > capacity {
            buffer.deallocate()
            buffer = .allocate(capacity: want)
            capacity = want
        }
        var count = rd_kafka_consume_batch_queue(queue, 0, buffer, want)
        let waitMs = timeout.milliseconds
        if count == 0 && waitMs > 0 {
            count = rd_kafka_consume_batch_queue(queue, waitMs, buffer, 1)
            if count == 1 && want > 1 {
                let more = rd_kafka_consume_batch_queue(queue, 0, buffer + 1, want - 1)
                if more > 0 { count += more }
            }
        }
        if count < 0 { throw KafkaError.rdkafka(rd_kafka_last_error(), operation: operation) }
        return count
    }

    /// The key and value bytes of the first `count` fetched messages (error messages excluded).
    func byteCount(count: Int) -> Int {
        var total = 0
        for index in 0..<count where buffer[index]!.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            total += MessageConversion.byteCount(of: buffer[index]!)
        }
        return total
    }

    /// One buffer for `bytes` key and value bytes (``byteCount(count:)`` of the batch).
    private func storage(bytes: Int) -> ByteStorage {
        bytes > 0 ? ByteStorage(capacity: bytes) : ByteStorage.empty
    }

    /// Converts the first `count` fetched messages and hands each record to `each`, destroying every message;
    /// error messages go to `onError`. `bytes` is ``byteCount(count:)`` of the same messages. After
    /// `each` throws, the rest are destroyed unseen and the error is rethrown. Returns how many records were
    /// delivered.
    @discardableResult
    func deliver(
        count: Int, bytes: Int, onError: (UnsafePointer<rd_kafka_message_t>) -> Void,
        each: (ConsumerRecord) throws -> Void
    ) throws -> Int {
        var delivered = 0
        var topicCache: (OpaquePointer?, String) = (nil, "")
        let storage = storage(bytes: bytes)
        var cursor = 0
        var thrown: Error?
        for index in 0..<count {
            let message = UnsafePointer<rd_kafka_message_t>(buffer[index]!)
            defer { rd_kafka_message_destroy(UnsafeMutablePointer(mutating: message)) }
            if thrown != nil { continue }
            if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                onError(message)
                continue
            }
            do {
                let record = MessageConversion.record(
                    from: message, topicCache: &topicCache, storage: storage, cursor: &cursor,
                    headersInPlace: headersInPlace)
                try each(record)
                delivered += 1
            } catch {
                thrown = error
            }
        }
        if let thrown { throw thrown }
        return delivered
    }

    /// Converts the first `count` fetched messages into an array, building each record in place, and
    /// destroys every message; error messages go to `onError`. `bytes` is ``byteCount(count:)`` of the same
    /// messages.
    func collect(count: Int, bytes: Int, onError: (UnsafePointer<rd_kafka_message_t>) -> Void) -> [ConsumerRecord] {
        var topicCache: (OpaquePointer?, String) = (nil, "")
        let storage = storage(bytes: bytes)
        var cursor = 0
        return [ConsumerRecord](unsafeUninitializedCapacity: count) { records, initialized in
            for index in 0..<count {
                let message = UnsafePointer<rd_kafka_message_t>(buffer[index]!)
                defer { rd_kafka_message_destroy(UnsafeMutablePointer(mutating: message)) }
                if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    onError(message)
                    continue
                }
                (records.baseAddress! + initialized).initialize(
                    to: MessageConversion.record(
                        from: message, topicCache: &topicCache, storage: storage, cursor: &cursor,
                        headersInPlace: headersInPlace))
                initialized += 1
            }
        }
    }

    /// Frees the buffer; the batch must not be used afterwards.
    mutating func free() {
        buffer.deallocate()
        capacity = 0
    }
}
