import Crdkafka
import Logging
import Synchronization

/// The consumer's native state: the handle, its consumer queue, a reusable message buffer, pending async
/// commits and open partition queues.
///
/// Everything here is touched only on the consumer's own ``KafkaThread`` (jobs and librdkafka callbacks
/// served by polls on that thread), which is what makes the `@unchecked Sendable` sound. The one
/// exception is ``wakeUp()``, which calls the thread-safe `rd_kafka_queue_yield` under ``closing``.
final class ConsumerCore: @unchecked Sendable {
    let handle: NativeHandle
    let queue: OpaquePointer
    let logger: Logger
    var closed = false
    /// Set (under its lock) before the close starts: from then on ``wakeUp()`` does nothing. A yield during
    /// `rd_kafka_consumer_close` ends librdkafka's wait for the group to let go (the consumer queue is routed
    /// to the close's own queue) and it returns "timed out" with the consumer still open; a yield after the
    /// close would touch a freed queue.
    private let closing = Mutex<Bool>(false)
    private var batch = MessageBatch(capacity: 1024)
    private var pendingCommits: [Int: @Sendable (Result<[TopicPartitionOffset], KafkaError>) -> Void] = [:]
    private var nextCommitId = 1
    var partitionQueues: [TopicPartition: PartitionQueue] = [:]
    var rebalanceHandler: RebalanceHandler?
    var fetchRestarter: FetchRestarter
    /// The restarter's counter, readable from any thread.
    let fetchRestarts: FetchRestarter.Counter
    /// Sends the restarter's wake-ups off this thread.
    let fetchWaker: FetchWaker

    init(handle: NativeHandle, logger: Logger, fetchRestarter: FetchRestarter) {
        self.handle = handle
        self.logger = logger
        self.fetchRestarter = fetchRestarter
        self.fetchRestarts = fetchRestarter.counter
        self.fetchWaker = FetchWaker(rk: handle.pointer, counter: fetchRestarter.counter)
        // Route the main queue (rebalances, errors, commit results) into the consumer queue.
        rd_kafka_poll_set_consumer(handle.pointer)
        self.queue = rd_kafka_queue_get_consumer(handle.pointer)
    }

    var rk: OpaquePointer { handle.pointer }

    /// Interrupts a blocking poll from any thread.
    func wakeUp() {
        closing.withLock { closing in
            if !closing { rd_kafka_queue_yield(queue) }
        }
    }

    // MARK: Polling

    /// Returns up to `maxRecords` records, waiting at most `timeout` for the first one.
    func poll(maxRecords: Int, timeout: Duration) throws -> [ConsumerRecord] {
        try poll(maxRecords: maxRecords, timeout: timeout) { batch, count, bytes in
            batch.collect(count: count, bytes: bytes, onError: reportConsumeError)
        }
    }

    /// Calls `each` for up to `maxRecords` records, waiting at most `timeout` for the first one;
    /// returns how many were delivered. Rebalance callbacks and async commit results are served here.
    @discardableResult
    func poll(maxRecords: Int, timeout: Duration, _ each: (ConsumerRecord) throws -> Void) throws -> Int {
        try poll(maxRecords: maxRecords, timeout: timeout) { batch, count, bytes in
            try batch.deliver(count: count, bytes: bytes, onError: reportConsumeError, each: each)
        }
    }

    /// One poll of the consumer queue: fetches up to `maxRecords` messages, lets `convert` turn the
    /// `count` fetched (`bytes` key and value bytes) into records, then checks the prefetch queue and
    /// fatal errors.
    private func poll<Result>(
        maxRecords: Int, timeout: Duration, convert: (MessageBatch, _ count: Int, _ bytes: Int) throws -> Result
    ) throws -> Result {
        guard !closed else { throw KafkaError.closed(operation: "poll") }
        let count = try batch.fetch(from: queue, maxRecords: maxRecords, timeout: timeout, operation: "poll")
        let bytes = batch.byteCount(count: count)
        let result = try convert(batch, count, bytes)
        fetchRestarter.afterPoll(queue: queue, records: count, bytes: bytes, waker: fetchWaker, logger: logger)
        try throwIfFatal()
        return result
    }

    private func reportConsumeError(_ message: UnsafePointer<rd_kafka_message_t>) {
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            logger.trace("reached end of \(message.pointee.partition)")
            return
        }
        var text: String?
        if let payload = message.pointee.payload, message.pointee.len > 0 {
            text = String(decoding: UnsafeRawBufferPointer(start: payload, count: message.pointee.len), as: UTF8.self)
        }
        let error = KafkaError.rdkafka(err, operation: "consume", message: text)
        logger.warning("consumer error: \(error)")
    }

    private func throwIfFatal() throws {
        // A stack buffer: this runs after every poll, and the reason is only written when something is fatal.
        let failure: KafkaError? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { text in
            text.initialize(repeating: 0)
            let err = rd_kafka_fatal_error(rk, text.baseAddress, text.count)
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            let reason = String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return KafkaError(
                kind: .broker, code: err.rawValue, codeName: String(cString: rd_kafka_err2name(err)), message: reason,
                operation: "poll", isFatal: true)
        }
        if let failure { throw failure }
    }

    // MARK: Commits

    /// Commits and waits for the answer: `rd_kafka_commit`'s own steps (a commit to a queue of its own, then a
    /// wait on it), so the wait can wake librdkafka's main thread when a commit was parked (``CommitNudge``).
    func commit(_ offsets: [TopicPartitionOffset]) throws {
        _ = try beginCommit(offsets).wait().get()  // beginCommit answers a closed consumer and an empty list itself
    }

    /// Sends a commit whose answer goes to a queue of its own, to be waited for later (``PendingCommit``).
    func beginCommit(_ offsets: [TopicPartitionOffset]) -> PendingCommit {
        guard !closed else { return PendingCommit(offsets: offsets, result: .failure(.closed(operation: "commit offsets"))) }
        guard !offsets.isEmpty else { return PendingCommit(offsets: offsets, result: .success([])) }
        guard let answers = rd_kafka_queue_new(rk) else {
            return PendingCommit(offsets: offsets, result: .failure(KafkaError(kind: .broker, message: "rd_kafka_queue_new returned NULL", operation: "commit offsets")))
        }
        // No callback: librdkafka puts the outcome on `answers` as an OFFSET_COMMIT event.
        let err = PartitionList.with(offsets) { list in rd_kafka_commit_queue(rk, list, answers, nil, nil) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            rd_kafka_queue_destroy(answers)
            return PendingCommit(offsets: offsets, result: .failure(.rdkafka(err, operation: "commit offsets")))
        }
        return PendingCommit(offsets: offsets, queue: answers, rk: rk)
    }

    func commitAsync(
        _ offsets: [TopicPartitionOffset],
        completion: @escaping @Sendable (Result<[TopicPartitionOffset], KafkaError>) -> Void
    ) {
        guard !closed else { return completion(.failure(.closed(operation: "commit offsets"))) }
        guard !offsets.isEmpty else { return completion(.success([])) }
        let id = nextCommitId
        nextCommitId += 1
        pendingCommits[id] = completion
        let err = PartitionList.with(offsets) { list in
            rd_kafka_commit_queue(rk, list, queue, { rk, err, list, opaque in
                guard let callbacks = NativeCallbacks.of(rk), let handler = callbacks.commitResult.withLock({ $0 }) else { return }
                handler.call(Int(bitPattern: opaque), err, list)
            }, UnsafeMutableRawPointer(bitPattern: id))
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            pendingCommits.removeValue(forKey: id)?(.failure(.rdkafka(err, operation: "commit offsets")))
        }
    }

    /// Resolves an async commit; called on this thread while a poll serves the result.
    func commitCompleted(id: Int, err: rd_kafka_resp_err_t, list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        guard let completion = pendingCommits.removeValue(forKey: id) else { return }
        completion(PartitionList.commitOutcome(err, list, sent: []))
    }

    func committed(_ partitions: [TopicPartition], timeout: Duration) throws -> [TopicPartitionOffset] {
        guard !closed else { throw KafkaError.closed(operation: "read committed offsets") }
        return try PartitionList.with(partitions) { list in
            let err = rd_kafka_committed(rk, list, timeout.milliseconds)
            if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
                throw KafkaError.timedOut(operation: "read committed offsets", after: timeout)
            }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "read committed offsets") }
            if let error = PartitionList.firstError(list, operation: "read committed offsets") { throw error }
            return PartitionList.read(list)
        }
    }

    func offsetsForTimes(_ partitions: [TopicPartition], milliseconds: Int64, timeout: Duration) throws -> [TopicPartitionOffset] {
        guard !closed else { throw KafkaError.closed(operation: "look up offsets by time") }
        // The list carries the timestamp in and each partition's offset out.
        return try PartitionList.with(partitions.map { TopicPartitionOffset($0, KafkaOffset(rawValue: milliseconds)) }) { list in
            let err = rd_kafka_offsets_for_times(rk, list, timeout.milliseconds)
            if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
                throw KafkaError.timedOut(operation: "look up offsets by time", after: timeout)
            }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "look up offsets by time") }
            if let error = PartitionList.firstError(list, operation: "look up offsets by time") { throw error }
            return PartitionList.read(list)
        }
    }

    func position(_ partitions: [TopicPartition]) throws -> [TopicPartitionOffset] {
        guard !closed else { throw KafkaError.closed(operation: "read positions") }
        return try PartitionList.with(partitions) { list in
            let err = rd_kafka_position(rk, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "read positions") }
            return PartitionList.read(list)
        }
    }

    // MARK: Flow control

    func pause(_ partitions: [TopicPartition]) throws {
        try flowControl(partitions, operation: "pause partitions") { rd_kafka_pause_partitions(rk, $0) }
    }

    func resume(_ partitions: [TopicPartition]) throws {
        try flowControl(partitions, operation: "resume partitions") { rd_kafka_resume_partitions(rk, $0) }
    }

    private func flowControl(
        _ partitions: [TopicPartition], operation: String,
        _ call: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> rd_kafka_resp_err_t
    ) throws {
        guard !closed else { throw KafkaError.closed(operation: operation) }
        guard !partitions.isEmpty else { return }
        try PartitionList.with(partitions) { list in
            let err = call(list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: operation) }
            if let error = PartitionList.firstError(list, operation: operation) { throw error }
        }
    }

    func seek(_ offsets: [TopicPartitionOffset], timeout: Duration) throws {
        guard !closed else { throw KafkaError.closed(operation: "seek") }
        guard !offsets.isEmpty else { return }
        try PartitionList.with(offsets) { list in
            if let error = rd_kafka_seek_partitions(rk, list, Self.seekTimeoutArgument(timeout)) {
                throw KafkaError.consuming(error, operation: "seek")
            }
            if let error = PartitionList.firstError(list, operation: "seek") { throw error }
        }
    }

    /// The `timeout_ms` to hand `rd_kafka_seek_partitions` for a wait of `timeout`. Before 2.0.3, librdkafka waited
    /// for the seeks' confirmations a thousand times shorter than asked (it passed milliseconds where microseconds were
    /// expected, librdkafka #4230): a 10 s seek gave up after 10 ms, and under load seeks failed with "timed out".
    /// Those versions get the value a thousand times larger, which makes the wait what was asked.
    static func seekTimeoutArgument(_ timeout: Duration, librdkafkaVersion: Int32 = rd_kafka_version()) -> Int32 {
        let milliseconds = timeout.milliseconds
        guard librdkafkaVersion < 0x0200_0300 else { return milliseconds }
        return Int32(clamping: Int64(milliseconds) * 1000)
    }

    // MARK: Assignment

    func subscribe(_ topics: [String]) throws {
        guard !closed else { throw KafkaError.closed(operation: "subscribe") }
        for topic in topics where !topic.hasPrefix("^") { try TopicName.validate(topic) }
        try PartitionList.with(topics.map { TopicPartition($0, RD_KAFKA_PARTITION_UA) }) { list in
            let err = rd_kafka_subscribe(rk, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "subscribe to \(topics)") }
        }
    }

    func unsubscribe() throws {
        guard !closed else { throw KafkaError.closed(operation: "unsubscribe") }
        let err = rd_kafka_unsubscribe(rk)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "unsubscribe") }
    }

    func assign(_ offsets: [TopicPartitionOffset]) throws {
        guard !closed else { throw KafkaError.closed(operation: "assign partitions") }
        for entry in offsets { try TopicName.validate(entry.topicPartition.topic) }
        try PartitionList.with(offsets) { list in
            let err = rd_kafka_assign(rk, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(err, operation: "assign partitions") }
        }
        if fetchRestarter.enabled && !offsets.isEmpty { fetchWaker.watchAssignment() }
    }

    func assignment() throws -> [TopicPartition] {
        guard !closed else { throw KafkaError.closed(operation: "read assignment") }
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(rk, &list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError.rdkafka(err, operation: "read assignment")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return PartitionList.read(list).map(\.topicPartition).sorted()
    }

    var rebalanceProtocol: RebalanceEvent.RebalanceProtocol {
        guard let name = rd_kafka_rebalance_protocol(rk) else { return .eager }
        return String(cString: name) == "COOPERATIVE" ? .cooperative : .eager
    }

    var memberId: String? {
        guard let pointer = rd_kafka_memberid(rk) else { return nil }
        defer { rd_kafka_mem_free(rk, pointer) }
        let id = String(cString: pointer)
        return id.isEmpty ? nil : id
    }

    // MARK: Rebalance bridging

    /// The rebalance callback: tells the handler, then applies the change (revoke after the handler,
    /// assign before it), with incremental calls under the cooperative protocol.
    func handleRebalance(_ err: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let partitions = PartitionList.read(list).map(\.topicPartition)
        let proto = rebalanceProtocol
        let session = ConsumerSession(core: self)
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if proto == .cooperative {
                if let error = rd_kafka_incremental_assign(rk, list) {
                    logger.error("incremental assign failed: \(KafkaError.consuming(error, operation: "assign"))")
                }
            } else {
                let result = rd_kafka_assign(rk, list)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.error("assign failed: \(KafkaError.rdkafka(result, operation: "assign"))")
                }
            }
            if fetchRestarter.enabled && !partitions.isEmpty { fetchWaker.watchAssignment() }
            logger.debug("partitions assigned: \(partitions.sorted())")
            rebalanceHandler?(RebalanceEvent(kind: .assigned, partitions: partitions, rebalanceProtocol: proto), session)
        } else {
            let lost = rd_kafka_assignment_lost(rk) != 0
            logger.debug("partitions \(lost ? "lost" : "revoked"): \(partitions.sorted())")
            rebalanceHandler?(
                RebalanceEvent(kind: lost ? .lost : .revoked, partitions: partitions, rebalanceProtocol: proto), session)
            for partition in partitions { partitionQueues.removeValue(forKey: partition)?.destroy() }
            if proto == .cooperative {
                if let error = rd_kafka_incremental_unassign(rk, list) {
                    logger.error("incremental unassign failed: \(KafkaError.consuming(error, operation: "unassign"))")
                }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        }
    }

    // MARK: Closing

    /// Leaves the group (serving the final revoke), fails pending async commits, frees every queue and
    /// the handle. Runs on the consumer's thread; safe to call twice.
    func close() {
        guard !closed else { return }
        closing.withLock { $0 = true }
        fetchWaker.close()
        let err = rd_kafka_consumer_close(rk)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("consumer close reported \(KafkaError.rdkafka(err, operation: "close consumer"))")
        }
        // rd_kafka_destroy closes a consumer that is not closed yet, and a second close after one that gave up
        // waits for ever (librdkafka 2.0.2): destroy without it then.
        let stillOpen = rd_kafka_consumer_closed(rk) == 0
        if stillOpen { logger.error("the consumer did not close; destroying it without a second close") }
        closed = true
        for (_, completion) in pendingCommits { completion(.failure(.closed(operation: "commit offsets"))) }
        pendingCommits.removeAll()
        for (_, partitionQueue) in partitionQueues { partitionQueue.destroy() }
        partitionQueues.removeAll()
        rd_kafka_queue_destroy(queue)
        batch.free()
        handle.destroy(skippingConsumerClose: stillOpen)
    }
}
