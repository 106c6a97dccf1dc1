import KafkaClient
import Synchronization

/// The workers of a per-partition container: one ``PartitionWorker`` per assigned partition, a shared
/// ``ConcurrencyLimiter``, and the bridge to the container's offset tracker, ack mode and pause state.
///
/// The poll loop only hands records over (``enqueue(_:)``) and never waits for a listener, so one
/// partition's backlog never delays another's records. A partition whose worker holds `bufferSize` records
/// is paused in the consumer (reason `backPressure`) and resumed when half of them are done.
final class PartitionWorkers: Sendable {
    /// The container these workers serve; it drops them when it stops (this reference is not a leak).
    let container: SingleContainer
    let ordering: RecordOrdering
    /// Records per listener call: 1 for a record listener, `maxPollRecords` for a batch listener.
    let batchSize: Int
    let bufferSize: Int
    let limiter: ConcurrencyLimiter
    private let workers = Mutex<[TopicPartition: PartitionWorker]>([:])
    /// Records may finish out of order (or only when acknowledged): the tracker must know each one.
    private let trackDelivered: Bool
    /// A record listener's async form, made once (a synchronous listener's is a new closure each time).
    private let recordHandler: Listener.RecordHandler?

    init(container: SingleContainer, options: PerPartitionOptions, maxConcurrency: Int?) {
        self.container = container
        self.ordering = options.ordering
        self.batchSize = container.endpoint.listener.isBatch ? container.endpoint.maxPollRecords : 1
        self.bufferSize = options.bufferSize
        self.limiter = ConcurrencyLimiter(capacity: maxConcurrency)
        self.trackDelivered = options.ordering != .partition || container.endpoint.ackMode.isManual
        self.recordHandler = container.endpoint.listener.recordHandler
    }

    /// Hands one poll's records to their partitions' workers (called by the poll loop; never waits).
    func enqueue(_ records: [ConsumerRecord]) {
        guard !records.isEmpty else { return }
        var start = records.startIndex
        var tp = records[start].topicPartition
        for index in records.indices.dropFirst() where records[index].partition != tp.partition || records[index].topic != tp.topic {
            worker(for: tp).enqueue(records[start..<index])
            start = index
            tp = records[index].topicPartition
        }
        worker(for: tp).enqueue(records[start...])
    }

    /// Tells the tracker about records a worker took (under the worker's lock, so a concurrent discard
    /// sees either both or neither).
    ///
    /// - Returns: offsets a previous owner completed already (from the commit metadata): skip them.
    func delivered(_ records: ArraySlice<ConsumerRecord>) -> [Int64] {
        trackDelivered ? container.tracker.delivered(records) : []
    }

    private func worker(for tp: TopicPartition) -> PartitionWorker {
        workers.withLock { workers in
            if let worker = workers[tp] { return worker }
            let worker = PartitionWorker(partition: tp, owner: self)
            workers[tp] = worker
            return worker
        }
    }

    /// Runs a record listener on one record and settles it (tracker, per-record commits); returns `false`
    /// if it was cancelled or its worker closed (then it does not count as processed). ``counted(_:)``
    /// counts it later.
    ///
    /// Failures go to the error handler here, in the lane: the lane itself waits out the back-off, so only
    /// this record's partition (or key) waits, and the poll loop never does.
    func handle(_ record: ConsumerRecord, of tp: TopicPartition, isClosed: () -> Bool) async -> Bool {
        guard let handler = recordHandler else { return false }
        let outcome = await withErrorHandling([record], isClosed: isClosed) {
            _ = try await self.container.invokeRecord(handler, record, self.container.makeContext(.record(tp, record.offset)))
        }
        guard outcome.done else { return false }
        if outcome.recovered && container.endpoint.ackMode.isManual { container.tracker.finished(tp, record.offset) }
        container.workerFinished(record.offset, of: tp, inOrder: ordering == .partition)
        return true
    }

    /// Runs a batch listener on one batch of one partition and settles it; returns `false` if it was
    /// cancelled or its worker closed.
    func handle(_ records: [ConsumerRecord], of tp: TopicPartition, isClosed: () -> Bool) async -> Bool {
        guard case .batch(let handler) = container.endpoint.listener else { return false }
        let outcome = await withErrorHandling(records, isClosed: isClosed) {
            try await self.container.invokeBatch(handler, records, self.container.makeContext(.batch(records)))
        }
        guard outcome.done else { return false }
        for record in records {
            if outcome.recovered && container.endpoint.ackMode.isManual { container.tracker.finished(tp, record.offset) }
            container.workerFinished(record.offset, of: tp, inOrder: ordering == .partition)
        }
        counted(records.count)
        return true
    }

    /// Calls `body` until it succeeds or the error handler gives up and the recoverer handles `records`
    /// (a failed recovery is tried again after a pause). Returns whether the records are done and whether
    /// the recoverer handled them; not done when cancelled or closed meanwhile.
    private func withErrorHandling(
        _ records: [ConsumerRecord], isClosed: () -> Bool, _ body: () async throws -> Void
    ) async -> (done: Bool, recovered: Bool) {
        var attempts = 0
        let firstAt = ContinuousClock.now
        let handler = container.endpoint.errorHandler
        while true {
            let failure: any Error
            do {
                try await body()
                return (true, false)
            } catch {
                if Task.isCancelled { return (false, false) }
                failure = error
            }
            attempts += 1
            container.listenerFailed(records[0].topicPartition, records[0].offset, failure)
            if handler.isRetryable(failure), let delay = handler.backOff.delay(attempt: attempts, elapsed: .now - firstAt) {
                container.retryScheduled(records[0], attempt: attempts, delay: delay)
                guard (try? await Task.sleep(for: delay)) != nil, !isClosed() else { return (false, false) }
                continue
            }
            // Retrying is over: recover every record of the call, each until it works or the lane closes.
            for record in records {
                while true {
                    switch await container.recover(record, failure, attempts: attempts) {
                    case .processed: break
                    case .stop: return (false, false)
                    case .retry:
                        guard (try? await Task.sleep(for: container.recoveryRetryDelay)) != nil, !isClosed() else { return (false, false) }
                        continue
                    }
                    break
                }
            }
            return (true, true)
        }
    }

    /// Counts processed records once per chunk (metrics and the count ack modes).
    func counted(_ count: Int) {
        container.workersProcessed(count)
    }

    /// Records a back-pressure pause or its end for a partition (applied by the poll loop at its next
    /// boundary). A worker calls it under its own lock, so a partition's pause and resume are recorded
    /// in the order the worker decided them.
    func setBackPressure(_ tp: TopicPartition, on: Bool) {
        if on {
            container.tracker.addPause(tp, .backPressure)
        } else {
            container.tracker.removePause(tp, .backPressure)
        }
        container.markPausesDirty()
    }

    /// Wakes the poll loop so a partition whose back-pressure ended fetches again without waiting out the poll.
    func pressureRelieved() {
        container.wakeUp()
    }

    /// Drops the queued records of `tp` at or after `offset` (all of them for `nil`) until the poll loop
    /// applies the seek that delivers them again; returns the lowest offset dropped.
    @discardableResult
    func discard(_ tp: TopicPartition, from offset: Int64?) -> Int64? {
        workers.withLock { $0[tp] }?.discard(from: offset)
    }

    /// The poll loop applied seeks on these partitions.
    func seeksApplied(_ tps: some Sequence<TopicPartition>) {
        let found = workers.withLock { workers in tps.compactMap { workers[$0] } }
        for worker in found { worker.seekApplied() }
    }

    /// Stops the workers of `tps` (all for `nil`): queued records are dropped, running ones get up to
    /// `timeout` to finish (abandoned and cancelled after it; with `wait` false at once). Blocks the
    /// calling thread — call it on the consumer's thread only. Returns the partitions whose records were
    /// abandoned.
    @discardableResult
    func stop(_ tps: [TopicPartition]?, timeout: Duration, wait: Bool = true) -> [TopicPartition] {
        let stopped = workers.withLock { workers -> [PartitionWorker] in
            guard let tps else {
                defer { workers.removeAll() }
                return Array(workers.values)
            }
            return tps.compactMap { workers.removeValue(forKey: $0) }
        }
        for worker in stopped { worker.close() }
        let deadline = ContinuousClock.now + timeout
        var abandoned: [TopicPartition] = []
        for worker in stopped {
            let left = deadline - ContinuousClock.now
            if !wait || !worker.waitIdle(timeout: max(left, .zero)) {
                worker.cancel()
                if worker.counts.inFlight > 0 { abandoned.append(worker.partition) }
            }
        }
        return abandoned.sorted()
    }

    /// Records queued or running, per partition.
    var buffered: [TopicPartition: Int] {
        workers.withLock { $0 }.mapValues { $0.counts.buffered }
    }

    /// When the longest-running listener call (or chunk of calls) of any partition began, if one runs.
    var oldestRunningSince: ContinuousClock.Instant? {
        workers.withLock { Array($0.values) }.compactMap(\.oldestRunningSince).min()
    }

    /// Listener calls running now.
    var running: Int { limiter.active }
}
