import KafkaClient

/// The per-partition side of a single container: when the endpoint asks for it, records are handed to
/// ``PartitionWorkers`` instead of being handled by the poll loop itself.
extension SingleContainer {
    /// The running workers (only while a per-partition container runs).
    var workers: PartitionWorkers? { state.withLock { $0.workers } }

    /// Whether this container hands records to per-partition workers.
    public var isPerPartition: Bool { endpoint.perPartition != nil }

    /// The limit on listener calls running at once (per-partition containers; `nil`: unlimited).
    public var maxConcurrency: Int? {
        state.withLock { $0.maxConcurrency }
    }

    /// Changes how many listener calls may run at once, while running and without a rebalance: running
    /// calls finish, and queued ones start as slots free up.
    ///
    /// - Throws: ``ListenerError/invalidState(_:)`` if this is not a per-partition container or `limit` < 1.
    public func setMaxConcurrency(_ limit: Int?) throws {
        guard endpoint.perPartition != nil else {
            throw ListenerError.invalidState(
                "'\(listenerId)' is not a per-partition listener: its concurrency is its number of consumers")
        }
        if let limit, limit < 1 { throw ListenerError.invalidState("maxConcurrency must be at least 1, got \(limit)") }
        let workers = state.withLock { state in
            state.maxConcurrency = limit
            return state.workers
        }
        workers?.limiter.resize(limit)
        logger.info("maxConcurrency is now \(limit.map(String.init) ?? "unlimited")")
    }

    /// Makes the workers for a start (per-partition containers only).
    func makeWorkers() -> PartitionWorkers? {
        guard let options = endpoint.perPartition else { return nil }
        return PartitionWorkers(container: self, options: options, maxConcurrency: state.withLock { $0.maxConcurrency })
    }

    /// A worker finished one record: mark it processed (automatic ack modes) and, in `record` mode, ask
    /// for a commit.
    func workerFinished(_ offset: Int64, of tp: TopicPartition, inOrder: Bool) {
        let ackMode = endpoint.ackMode
        if ackMode.isManual { return }
        if inOrder {
            tracker.finishedThrough(tp, offset)
        } else {
            tracker.finished(tp, offset)
        }
        guard ackMode == .record, let consumer = state.withLock({ $0.consumer }) else { return }
        _ = recordCommitRequested(consumer, worker: true)
    }

    /// Workers processed `count` records: metrics and the count for `count` ack modes.
    func workersProcessed(_ count: Int) {
        metrics.records.increment(by: Int64(count))
        state.withLock { state in
            state.commits.processed(count)
            state.liveness.workersProgressed(now: .now)
        }
    }

    /// Gives back the queued records of `tps` (every partition for `nil`): they are sought to and delivered
    /// again once the partition fetches again.
    func giveBackQueued(_ tps: [TopicPartition]?) {
        guard let workers else { return }
        for tp in tps ?? tracker.assignedPartitions {
            if let lowest = workers.discard(tp, from: nil, cuttingChunks: false).min() {
                tracker.requestSeek(tp, to: lowest)
            }
        }
        markPausesDirty()
    }
}
