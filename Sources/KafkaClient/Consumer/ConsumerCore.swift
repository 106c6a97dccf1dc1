import Crdkafka
import Logging
import Synchronization

/// Owns one consumer's native resources and the state that outlives a session: the handle, its consumer queue,
/// the reusable message buffer, the table of pending async commits, the split partition queues, the fetch
/// wake-up machinery and the librdkafka quirks in effect. It creates them, bridges librdkafka's rebalance and
/// commit callbacks, and frees everything exactly once in ``close()``.
///
/// It performs no consumer operation itself: ``ConsumerSession`` does, on the consumer's thread, with this
/// state. Everything here is touched only on the consumer's own ``KafkaThread`` (jobs and librdkafka callbacks
/// served by polls on that thread), which is what makes the `@unchecked Sendable` sound. The one exception is
/// ``wakeUp()``, which calls the thread-safe `rd_kafka_queue_yield` under ``closing``.
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

    /// Whether ``close()`` has begun (the final revoke runs inside it).
    var isClosing: Bool { closing.withLock { $0 } }
    var batch: MessageBatch
    var pendingCommits: [Int: @Sendable (Result<[TopicPartitionOffset], KafkaError>) -> Void] = [:]
    var nextCommitId = 1
    var partitionQueues: [TopicPartition: PartitionQueue] = [:]
    var rebalanceHandler: RebalanceHandler?
    /// Asked before partitions are assigned where each should start (absent: at its committed offset).
    var assignmentOffsets: AssignmentOffsetsHandler?
    /// The librdkafka work-arounds in effect for this consumer: decided once here, read as stored flags on the
    /// poll path.
    let quirks: LibrdkafkaQuirks
    /// ``LibrdkafkaQuirks/assignmentWake`` is in effect.
    let watchesAssignments: Bool
    /// ``LibrdkafkaQuirks/commitNudge`` is in effect.
    let nudgesCommits: Bool
    /// ``LibrdkafkaQuirks/seekTimeout`` is in effect.
    let scalesSeekTimeout: Bool
    var fetchRestarter: LibrdkafkaQuirks.FetchRestarter
    /// The restarter's counter, readable from any thread.
    let fetchRestarts: LibrdkafkaQuirks.FetchRestarter.Counter
    /// Sends the restarter's and the assignment watch's wake-ups off this thread.
    let fetchWaker: LibrdkafkaQuirks.FetchWaker

    /// Takes over `handle`, applying the quirks `configuration` allows that the loaded librdkafka needs
    /// (``LibrdkafkaQuirks/effective(_:version:)``).
    init(
        handle: NativeHandle, configuration: KafkaConfiguration, logger: Logger,
        librdkafkaVersion: Int32 = rd_kafka_version()
    ) {
        let quirks = LibrdkafkaQuirks.effective(configuration.librdkafkaQuirks, version: librdkafkaVersion)
        self.handle = handle
        self.logger = logger
        self.quirks = quirks
        self.watchesAssignments = quirks.contains(.assignmentWake)
        self.nudgesCommits = quirks.contains(.commitNudge)
        self.scalesSeekTimeout = quirks.contains(.seekTimeout)
        self.batch = MessageBatch(capacity: 1024, headersInPlace: quirks.contains(.wireHeaders))
        let restarter = LibrdkafkaQuirks.FetchRestarter(
            configuration: configuration, enabled: quirks.contains(.fetchRestart))
        self.fetchRestarter = restarter
        self.fetchRestarts = restarter.counter
        self.fetchWaker = LibrdkafkaQuirks.FetchWaker(rk: handle.pointer, counter: restarter.counter)
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

    /// Starts the assignment watch after partitions were assigned, when that quirk is in effect.
    func assigned(_ count: Int) {
        if watchesAssignments && count > 0 { fetchWaker.watchAssignment() }
    }

    /// Resolves an async commit; called on this thread while a poll serves the result.
    func commitCompleted(
        id: Int, err: rd_kafka_resp_err_t, list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        guard let completion = pendingCommits.removeValue(forKey: id) else { return }
        completion(PartitionList.commitOutcome(err, list, sent: []))
    }

    var rebalanceProtocol: RebalanceEvent.RebalanceProtocol {
        guard let name = rd_kafka_rebalance_protocol(rk) else { return .eager }
        return String(cString: name) == "COOPERATIVE" ? .cooperative : .eager
    }

    // MARK: Rebalance bridging

    /// The rebalance callback: tells the handler, then applies the change (revoke after the handler,
    /// assign before it), with incremental calls under the cooperative protocol.
    func handleRebalance(_ err: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let partitions = PartitionList.read(list).map(\.topicPartition)
        let proto = rebalanceProtocol
        let session = ConsumerSession(core: self)
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            // Start offsets go into the assignment itself: librdkafka may not honour a seek of a partition it is still
            // starting (its committed-offset lookup can land after the seek and win).
            if let assignmentOffsets {
                for (tp, offset) in assignmentOffsets(partitions, session) {
                    if let element = rd_kafka_topic_partition_list_find(list, tp.topic, tp.partition) {
                        element.pointee.offset = offset
                    }
                }
            }
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
            assigned(partitions.count)
            logger.debug("partitions assigned: \(partitions.sorted())")
            rebalanceHandler?(
                RebalanceEvent(kind: .assigned, partitions: partitions, rebalanceProtocol: proto), session)
        } else {
            let lost = rd_kafka_assignment_lost(rk) != 0
            logger.debug("partitions \(lost ? "lost" : "revoked"): \(partitions.sorted())")
            rebalanceHandler?(
                RebalanceEvent(kind: lost ? .lost : .revoked, partitions: partitions, rebalanceProtocol: proto), session
            )
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
