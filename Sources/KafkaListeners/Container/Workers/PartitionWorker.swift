import DequeModule
import Dispatch
import KafkaClient
import Synchronization

/// Which records of a partition share a lane (and so run one after another, in offset order).
enum LaneKey: Hashable, Sendable {
    /// The whole partition (`partition` ordering).
    case partition
    /// One record key (`key` ordering); `nil` gathers the key-less records.
    case key(KafkaBytes?)
    /// One record or one batch on its own (`unordered`), named by its first offset.
    case single(Int64)
}

/// One assigned partition of a per-partition container: its buffered records, split into lanes that run
/// in parallel (each lane in order), and the count that drives back-pressure.
///
/// Records are added by the poll loop and taken by lane tasks; both only hold the lock briefly. Once the
/// partition is revoked (or the container stops) the worker is *closed*: queued records are dropped and no
/// lane takes another record.
final class PartitionWorker: Sendable {
    let partition: TopicPartition
    /// The container-wide side (a cycle while the partition is assigned; broken when it is revoked or stopped).
    let owner: PartitionWorkers

    private struct State {
        /// Queued records of every active lane (a lane is active while it has records or runs one).
        var lanes: [LaneKey: Deque<ConsumerRecord>] = [:]
        /// Tasks of the lanes running now, by a number of their own.
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var nextTaskId: UInt64 = 0
        /// Records queued or running.
        var buffered = 0
        /// Records running.
        var inFlight = 0
        var closed = false
        var backPressured = false
        /// Queued records were dropped for a seek the poll loop has not applied yet: records of this
        /// partition that arrive before it are dropped too (the seek delivers them again).
        var awaitingSeek = false
        /// Signalled when the last running record finishes (a revoke or stop waits for it).
        var idle: DispatchSemaphore?
        /// When each running lane took its current chunk (for non-responsive detection).
        var runningSince: [UInt64: ContinuousClock.Instant] = [:]
        /// Discards since the running chunks were taken, and the generation each running chunk was taken at.
        var cutoffs = ChunkCutoffs()
        var runningGeneration: [UInt64: UInt64] = [:]
    }

    private let state = Mutex(State())
    /// Mirrors `closed`, read between the records of a chunk without taking the lock.
    private let isClosed = Atomic<Bool>(false)
    /// Mirrors the discard generation, read between the records of a chunk without taking the lock.
    private let discardGeneration = Atomic<UInt64>(0)

    init(partition: TopicPartition, owner: PartitionWorkers) {
        self.partition = partition
        self.owner = owner
    }

    /// Queues one poll's records of this partition (in offset order) and starts the lanes that were idle.
    func enqueue(_ records: ArraySlice<ConsumerRecord>) {
        let ordering = owner.ordering
        let batchSize = owner.batchSize
        var toStart: [LaneKey] = []
        state.withLock { state in
            guard !state.closed, !state.awaitingSeek else { return }
            let skipped = owner.delivered(records)
            var records = records
            if !skipped.isEmpty {
                let skip = Set(skipped)
                records = records.filter { !skip.contains($0.offset) }[...]
            }
            func add(_ record: ConsumerRecord, to key: LaneKey) {
                if state.lanes[key] == nil {
                    state.lanes[key] = [record]
                    toStart.append(key)
                } else {
                    state.lanes[key]!.append(record)
                }
            }
            switch ordering {
            case .partition:
                for record in records { add(record, to: .partition) }
            case .key:
                for record in records { add(record, to: .key(record.key)) }
            case .unordered:
                if batchSize == 1 {
                    for record in records { add(record, to: .single(record.offset)) }
                } else {
                    var start = records.startIndex
                    while start < records.endIndex {
                        let end = min(start + batchSize, records.endIndex)
                        for record in records[start..<end] { add(record, to: .single(records[start].offset)) }
                        start = end
                    }
                }
            }
            state.buffered += records.count
            guard !state.backPressured, state.buffered >= owner.bufferSize else { return }
            state.backPressured = true
            // Under this lock, so a lane relieving the pressure at once cannot record its resume first and
            // leave the partition paused for good.
            owner.setBackPressure(partition, on: true)
        }
        for key in toStart { owner.limiter.acquire(LaneStart(worker: self, key: key)) }
    }

    /// Starts a lane's task (the limiter gave it a slot).
    func startLane(_ lane: LaneStart) {
        state.withLock { state in
            state.nextTaskId &+= 1
            let id = state.nextTaskId
            state.tasks[id] = Task { await self.runLane(lane, id: id) }
        }
    }

    /// Runs one lane until it is empty or the worker closes: takes a chunk of its records under one lock
    /// (a batch listener: one batch), hands them to the listener one by one, and settles the chunk's
    /// bookkeeping once. Records of a chunk not started when the worker closes are dropped.
    private func runLane(_ lane: LaneStart, id: UInt64) async {
        let key = lane.key
        let batchSize = owner.batchSize
        // Chunks cut the locking per record; a lane that may have to share slots takes one record at a time.
        let chunkSize = batchSize > 1 ? batchSize : (owner.ordering == .partition ? 64 : 1)
        let limited = owner.limiter.capacity != nil
        defer { state.withLock { _ = $0.tasks.removeValue(forKey: id) } }
        while true {
            let taken = state.withLock { state -> (chunk: [ConsumerRecord], generation: UInt64)? in
                guard !state.closed, var queue = state.lanes[key], !queue.isEmpty else {
                    // Removing the lane under the lock that enqueue takes: a record arriving later starts
                    // a new lane, never a second task beside this one.
                    state.lanes[key] = nil
                    return nil
                }
                state.lanes[key] = nil  // uniquely referenced while it is changed
                var taken: [ConsumerRecord] = []
                taken.reserveCapacity(min(chunkSize, queue.count))
                while taken.count < chunkSize, let record = queue.popFirst() { taken.append(record) }
                state.lanes[key] = queue
                state.inFlight += taken.count
                state.runningSince[id] = .now
                state.runningGeneration[id] = state.cutoffs.generation
                return (taken, state.cutoffs.generation)
            }
            guard let (chunk, generation) = taken else { break }
            let completed = await handle(chunk, batch: batchSize > 1, takenAt: generation)
            let (idle, relieved, more) = state.withLock { state -> (DispatchSemaphore?, Bool, Bool) in
                state.runningSince[id] = nil
                state.runningGeneration[id] = nil
                state.cutoffs.trim(oldestRunning: state.runningGeneration.values.min())
                state.inFlight -= chunk.count
                state.buffered -= chunk.count
                let idle = state.inFlight == 0 ? state.idle.take() : nil
                let more = !state.closed && !(state.lanes[key]?.isEmpty ?? true)
                guard state.backPressured, state.buffered <= owner.bufferSize / 2 else { return (idle, false, more) }
                state.backPressured = false
                owner.setBackPressure(partition, on: false)  // under the lock, in order with the pause
                return (idle, true, more)
            }
            idle?.signal()
            if relieved { owner.pressureRelieved() }
            if !completed { break }
            // Let a waiting lane have the slot; this one is started again after it.
            if more && limited && owner.limiter.yield(lane) { return }
        }
        owner.limiter.release()
    }

    /// Hands a chunk to the listener (record by record, or as one batch); returns `false` once cancelled
    /// or closed (the rest of the chunk is dropped, not processed). Records a discard asked for after the chunk
    /// was taken (`takenAt`) are skipped and forgotten: the seek that asked for it moved the partition past them,
    /// or delivers them again.
    private func handle(_ chunk: [ConsumerRecord], batch: Bool, takenAt: UInt64) async -> Bool {
        var seen = takenAt
        var cutoff = ChunkCutoffs.Cutoff.none
        var skipped: [Int64] = []
        defer { if !skipped.isEmpty { owner.forget(skipped, of: partition) } }
        /// Takes the discards asked for since the chunk was taken, or since the last look.
        func refreshCutoff() {
            let current = discardGeneration.load(ordering: .acquiring)
            guard current != seen else { return }
            cutoff = cutoff.merged(state.withLock { $0.cutoffs.cutoff(since: seen) })
            seen = current
        }
        if batch {
            guard !isClosed.load(ordering: .relaxed) else { return false }
            refreshCutoff()
            let kept = chunk.filter { !cutoff.skips($0.offset) }
            skipped = chunk.filter { cutoff.skips($0.offset) }.map(\.offset)
            guard !kept.isEmpty else { return true }
            return await owner.handle(kept, of: partition) { self.isClosed.load(ordering: .relaxed) }
        }
        var handled = 0
        for record in chunk {
            guard !isClosed.load(ordering: .relaxed) else { return false }
            refreshCutoff()
            if cutoff.skips(record.offset) {
                skipped.append(record.offset)
                continue
            }
            guard await owner.handle(record, of: partition, isClosed: { self.isClosed.load(ordering: .relaxed) }) else {
                return false
            }
            handled += 1
        }
        owner.counted(handled)
        return true
    }

    /// Drops the queued records at or after `offset` (every queued record for `nil`), and every record
    /// that arrives until ``seekApplied()``; returns the offsets dropped. A running record goes on; with
    /// `cuttingChunks`, the records its lane took with it and has not started are skipped by the lane (see
    /// ``ChunkCutoffs``), otherwise they are handed over (a give-back seeks to the first queued record).
    @discardableResult
    func discard(from offset: Int64?, cuttingChunks: Bool = true) -> [Int64] {
        state.withLock { state in
            state.awaitingSeek = true
            if cuttingChunks {
                state.cutoffs.discarded(from: offset)
                discardGeneration.store(state.cutoffs.generation, ordering: .releasing)
            }
            var dropped: [Int64] = []
            for key in Array(state.lanes.keys) {
                guard var queue = state.lanes[key] else { continue }
                state.lanes[key] = nil  // uniquely referenced while it is changed
                let before = queue.count
                for record in queue where offset.map({ record.offset >= $0 }) ?? true { dropped.append(record.offset) }
                if let offset { queue.removeAll { $0.offset >= offset } } else { queue.removeAll() }
                state.buffered -= before - queue.count
                // An empty lane stays: its task (running or waiting for a slot) removes it.
                state.lanes[key] = queue
            }
            return dropped
        }
    }

    /// The poll loop applied the seek that ``discard(from:)`` waited for: records are taken again.
    func seekApplied() {
        state.withLock { $0.awaitingSeek = false }
    }

    /// Closes the worker: queued records are dropped and lanes stop after their running record. Returns
    /// whether records were running.
    @discardableResult
    func close() -> Bool {
        isClosed.store(true, ordering: .relaxed)
        return state.withLock { state in
            state.closed = true
            for key in Array(state.lanes.keys) {
                state.buffered -= state.lanes[key]?.count ?? 0
                state.lanes[key] = []
            }
            return state.inFlight > 0
        }
    }

    /// Blocks the calling thread (a consumer's own thread, never the cooperative pool) until no record
    /// runs or `timeout` passes; returns whether the worker went idle.
    func waitIdle(timeout: Duration) -> Bool {
        let semaphore = state.withLock { state -> DispatchSemaphore? in
            guard state.inFlight > 0 else { return nil }
            let semaphore = state.idle ?? DispatchSemaphore(value: 0)
            state.idle = semaphore
            return semaphore
        }
        guard let semaphore else { return true }
        // Clamped: a shutdown timeout from configuration may be far beyond what nanoseconds in an Int hold.
        let seconds = min(max(timeout.components.seconds, 0), 315_360_000)  // at most 10 years
        let nanoseconds = seconds * 1_000_000_000 + max(timeout.components.attoseconds, 0) / 1_000_000_000
        return semaphore.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success
    }

    /// Cancels every running lane (an abandoned or crashed stop).
    func cancel() {
        for task in state.withLock({ Array($0.tasks.values) }) { task.cancel() }
    }

    /// When the longest-running lane took its chunk, if one runs.
    var oldestRunningSince: ContinuousClock.Instant? { state.withLock { $0.runningSince.values.min() } }

    /// Records queued or running, and records running.
    var counts: (buffered: Int, inFlight: Int) { state.withLock { ($0.buffered, $0.inFlight) } }
}

/// A lane waiting for a slot of the limiter.
final class LaneStart: LimitedWork {
    let worker: PartitionWorker
    let key: LaneKey

    init(worker: PartitionWorker, key: LaneKey) {
        self.worker = worker
        self.key = key
    }

    func start() { worker.startLane(self) }
}
