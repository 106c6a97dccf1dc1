import Crdkafka

/// Reading and committing a group's offsets through a short-lived consumer handle of that group.
///
/// The handle never subscribes, so it never joins the group: it finds the coordinator
/// (FindCoordinator) and then reads (OffsetFetch) or commits (OffsetCommit) like any simple consumer.
/// Those requests work on every broker, including librdkafka's mock cluster, which has no Admin API
/// for group offsets. A broker rejects such a commit while the group has active members.
extension AdminCore {
    /// Opens a consumer handle of `group`, runs `body` with it on the admin thread, then closes it in
    /// the background (a later job on the same thread), so the caller does not wait for the close.
    func withGroupConsumer<T>(
        _ group: String, deadline: AdminDeadline, operation: String, _ body: (ConsumerCore) throws -> T
    ) throws -> T {
        guard !closed else { throw KafkaError.closed(operation: operation) }
        var settings = configuration
        settings["group.id"] = group
        settings["group.instance.id"] = nil
        settings["enable.auto.commit"] = "false"
        settings["enable.auto.offset.store"] = "false"
        // Bound every request of this handle (and so its close) by the call's timeout, within what
        // librdkafka accepts (at least fetch.wait.max.ms + 1000, at most 300000).
        let fetchWait = settings["fetch.wait.max.ms"].flatMap(Int.init) ?? 500
        let socketTimeout = min(300_000, max(Int(deadline.timeout.milliseconds), fetchWait + 1000))
        if (settings["socket.timeout.ms"].flatMap(Int.init) ?? Int.max) > socketTimeout {
            settings["socket.timeout.ms"] = String(socketTimeout)
        }
        let handle = try NativeHandle(type: RD_KAFKA_CONSUMER, configuration: settings, logger: logger)
        let core = ConsumerCore(handle: handle, configuration: settings, logger: logger)
        defer {
            // rd_kafka_consumer_close and rd_kafka_destroy may block: they run on the admin thread, as
            // the next job. If the thread already stopped, close here (still on the admin thread).
            if !thread.submit({ core.close() }) { core.close() }
        }
        return try body(core)
    }

    /// The committed offsets of `partitions` (`rd_kafka_committed`: OffsetFetch), blocking the admin
    /// thread for at most the deadline.
    func committedOffsets(
        _ partitions: [TopicPartition], with core: ConsumerCore, deadline: AdminDeadline, operation: String
    ) throws -> [TopicPartition: TopicPartitionOffset] {
        guard !partitions.isEmpty else { return [:] }
        do {
            let offsets = try ConsumerSession(core: core).committed(
                partitions, timeout: .milliseconds(Int(deadline.remainingMilliseconds)))
            return Dictionary(offsets.map { ($0.topicPartition, $0) }, uniquingKeysWith: { $1 })
        } catch {
            throw AdminFailure.relabel(error, request: "OffsetFetch", operation: operation, timeout: deadline.timeout)
        }
    }

    /// Commits `offsets` for the group (`rd_kafka_commit_queue`: OffsetCommit) and waits for the answer
    /// on a queue of its own with a bounded `rd_kafka_queue_poll`, blocking the admin thread for at most
    /// the deadline (a synchronous `rd_kafka_commit` has no time limit).
    ///
    /// - Throws: a `.broker` error saying the group has active members when the broker refuses a
    ///   commit from outside the group (`UNKNOWN_MEMBER_ID`, `ILLEGAL_GENERATION`,
    ///   `REBALANCE_IN_PROGRESS`, `FENCED_INSTANCE_ID`); `.timedOut` without an answer.
    func commitOffsets(
        _ offsets: [TopicPartitionOffset], group: String, with core: ConsumerCore, deadline: AdminDeadline,
        operation: String
    ) throws {
        guard !offsets.isEmpty else { return }
        guard let queue = rd_kafka_queue_new(core.rk) else {
            throw KafkaError(kind: .broker, message: "rd_kafka_queue_new returned NULL", operation: operation)
        }
        defer { rd_kafka_queue_destroy(queue) }
        // librdkafka copies the list; PartitionList destroys ours when the call returns.
        let sent = PartitionList.with(offsets) { rd_kafka_commit_queue(core.rk, $0, queue, nil, nil) }
        if sent != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.rdkafka(sent, operation: operation) }
        guard let event = rd_kafka_queue_poll(queue, deadline.remainingMilliseconds) else {
            throw AdminFailure.unanswered("OffsetCommit", operation: operation, after: deadline.timeout)
        }
        defer { rd_kafka_event_destroy(event) }
        var err = rd_kafka_event_error(event)
        var partition = ""
        // The list belongs to the event.
        if err == RD_KAFKA_RESP_ERR_NO_ERROR, let list = rd_kafka_event_topic_partition_list(event) {
            for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let element = list.pointee.elems[index]
                err = element.err
                partition = " (\(String(cString: element.topic))-\(element.partition))"
                break
            }
        }
        switch err {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            return
        case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
            throw KafkaError(
                kind: .broker, code: err.rawValue, codeName: String(cString: rd_kafka_err2name(err)),
                message: "group '\(group)' has active members, so the broker refuses offsets committed from outside "
                    + "the group\(partition); stop every consumer of the group and try again",
                operation: operation)
        default:
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) }
            throw AdminFailure.from(
                err, text: partition.isEmpty ? text : nil, request: "OffsetCommit", operation: operation + partition,
                timeout: deadline.timeout)
        }
    }
}
