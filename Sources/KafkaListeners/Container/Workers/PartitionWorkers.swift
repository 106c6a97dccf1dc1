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
    /// Hands records to the listener, as the sequential containers do.
    private let dispatcher: RecordDispatcher

    init(container: SingleContainer, options: PerPartitionOptions, maxConcurrency: Int?) {
        self.container = container
        self.ordering = options.ordering
        self.batchSize = container.endpoint.listener.isBatch ? container.endpoint.maxPollRecords : 1
        self.bufferSize = options.bufferSize
        self.limiter = ConcurrencyLimiter(capacity: maxConcurrency)
        self.trackDelivered = options.ordering != .partition || container.endpoint.ackMode.isManual
        self.dispatcher = RecordDispatcher(container)
    }

    /// Hands one poll's records to their partitions' workers (called by the poll loop; never waits).
    func enqueue(_ records: [ConsumerRecord]) {
        guard !records.isEmpty else { return }
        var start = records.startIndex
        var tp = records[start].topicPartition
        for index in records.indices.dropFirst()
        where records[index].partition != tp.partition || records[index].topic != tp.topic {
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
    /// Failures go to the container's error handler, whose decisions are the sequential containers' ones;
    /// only the waiting differs: the lane itself waits out the back-off, so only this record's partition (or
    /// key) waits, and the poll loop never does.
    func handle(_ record: ConsumerRecord, of tp: TopicPartition, isClosed: () -> Bool) async -> Bool {
        var failing = false
        while true {
            switch await dispatcher.deliver(record, failing: failing) {
            case .handled:
                settle(CollectionOfOne(record), of: tp, recovered: false)
                return true
            case .recovered:
                settle(CollectionOfOne(record), of: tp, recovered: true)
                return true
            case .held:
                // Held until due (a retry stage's listener; retry stages do not run per partition): not
                // processed, and the hold's seek delivers it again.
                return true
            case .failed(_, .retry(let delay, _)), .failed(_, .retryRecovery(let delay)):
                failing = true
                guard await wait(delay, isClosed) else { return false }
            case .failed(_, .recover), .stopped, .cancelled:
                return false
            }
        }
    }

    /// Runs a batch listener on one batch of one partition and settles it; returns `false` if it was
    /// cancelled or its worker closed.
    ///
    /// A ``BatchListenerFailedError`` settles the records before its index and retries the rest of the batch
    /// from the failed record (which alone is recovered once retrying is over); any other error retries the
    /// whole batch, then recovers each of its records.
    func handle(_ records: [ConsumerRecord], of tp: TopicPartition, isClosed: () -> Bool) async -> Bool {
        var pending = records[...]
        // The record the error handler counts the failures of, while the batch is failing.
        var failing: ConsumerRecord?
        while !pending.isEmpty {
            switch await dispatcher.deliverBatch(Array(pending)) {
            case .cancelled:
                return false
            case .handled:
                if let failing { dispatcher.succeeded(failing) }
                settle(pending, of: tp, recovered: false)
                pending = []
            case .failed(let failure):
                settle(pending.prefix(failure.handled), of: tp, recovered: false)
                pending = pending.dropFirst(failure.handled)
                failing = failure.record
                switch failure.decision {
                case .retry(let delay, _), .retryRecovery(let delay):
                    guard await wait(delay, isClosed) else { return false }
                case .recover(let attempts):
                    let recovering = pending.prefix(failure.toRecover)
                    for record in recovering {
                        guard await recover(record, failure.error, attempts: attempts, isClosed) else { return false }
                    }
                    settle(recovering, of: tp, recovered: true)
                    pending = pending.dropFirst(recovering.count)
                    failing = nil
                }
            }
        }
        counted(records.count)
        return true
    }

    /// Marks records of `tp` processed (automatic ack modes); in manual modes records the error handler
    /// recovered count as acknowledged (Spring-Kafka's `ackAfterHandle`).
    private func settle(_ records: some Collection<ConsumerRecord>, of tp: TopicPartition, recovered: Bool) {
        let manual = container.endpoint.ackMode.isManual
        for record in records {
            if recovered && manual { container.tracker.finished(tp, record.offset) }
            container.workerFinished(record.offset, of: tp, inOrder: ordering == .partition)
        }
    }

    /// Runs the recoverer on `record` until it works; `false` if it stopped the container or the lane closed.
    private func recover(
        _ record: ConsumerRecord, _ error: any Error, attempts: Int, _ isClosed: () -> Bool
    ) async -> Bool {
        while true {
            switch await dispatcher.recover(record, error, attempts: attempts) {
            case .recovered: return true
            case .failed(_, .retryRecovery(let delay)): guard await wait(delay, isClosed) else { return false }
            default: return false
            }
        }
    }

    /// Waits in the lane; `false` if cancelled or closed meanwhile.
    private func wait(_ delay: Duration, _ isClosed: () -> Bool) async -> Bool {
        if delay > .zero { guard (try? await Task.sleep(for: delay)) != nil else { return false } }
        return !isClosed() && !Task.isCancelled
    }

    /// Forgets records of `tp` a lane skipped after a discard: they never reach the listener, so they must not
    /// hold later offsets back.
    func forget(_ offsets: [Int64], of tp: TopicPartition) {
        container.tracker.forget(tp, offsets: offsets)
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
    /// applies the seek that delivers them again; returns the offsets dropped. With `cuttingChunks`, records that
    /// running lanes took with them and have not started are skipped too (a seek or nack moved past them).
    @discardableResult
    func discard(_ tp: TopicPartition, from offset: Int64?, cuttingChunks: Bool = true) -> [Int64] {
        workers.withLock { $0[tp] }?.discard(from: offset, cuttingChunks: cuttingChunks) ?? []
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
