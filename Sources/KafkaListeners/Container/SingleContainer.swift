import KafkaClient
import Logging
import Synchronization

/// Runs an endpoint with one consumer and one poll loop (Spring-Kafka's `KafkaMessageListenerContainer`).
///
/// The loop is a task that hops to the consumer's own thread for each poll; between fetches (the *poll
/// boundary*) it applies pauses, resumes, seeks and due commits there, so librdkafka is only ever touched
/// from that thread. Records are handed to the listener in order, one at a time (or one poll at a time for a
/// batch listener). A paused container keeps polling, so its group does not rebalance.
///
/// On stop it stops fetching, lets the record in flight finish (up to the endpoint's shutdown timeout),
/// commits what was processed and closes the consumer, leaving the group at once. Records of the last poll
/// that were not handled yet are not committed; the next owner gets them.
public final class SingleContainer: Sendable {
    /// This container's id (`<listener id>-<n>`).
    public let id: String
    /// The listener's id.
    public let listenerId: String
    let endpoint: ListenerEndpoint
    let configuration: KafkaConfiguration
    let tracker: OffsetTracker
    let events: EventBus
    let logger: Logger
    let metrics: ListenerMetrics
    let state: Mutex<LoopState>
    /// Bumped whenever something the dispatch loop must notice changes (stop, nack, seek, rebalance hold),
    /// so the per-record check is one relaxed atomic load and the lock is taken only after a change.
    let attention = Atomic<Int>(0)
    /// The transactional producer and its cycle, for a transactional listener (see `Transactions/`).
    let transactions: ContainerTransactions?
    /// Called on the consumer's thread after each assignment change (the concurrent container listens).
    let onAssignment: (@Sendable (SingleContainer, RebalanceEvent) -> Void)?

    /// Everything the container decides with, behind one lock. Each concern is its own state machine (see
    /// `Container/State/`); the rest is what one run owns and a few plain values.
    struct LoopState: Sendable {
        /// The consumer, the poll loop, the watchdog and the workers of the current run.
        var run = ContainerRun()
        /// Stopped, starting, running or stopping (kept across restarts).
        var lifecycle = ContainerLifecycle()
        /// When to commit and how; the commit in flight; what refused commits mean for the next tries.
        var commits: CommitScheduler
        /// The requested pauses (kept across restarts), librdkafka's paused set, and the pause work pending.
        var pauses = ContainerPauses()
        /// Whether the loop waits for the listener, and when records last arrived (idle and stuck reports).
        var liveness = Liveness(now: .now)
        /// What the dispatch loop must skip or give back of the poll it handles.
        var batch = BatchInterruptions()
        /// The records that are failing, and the error handler's decisions about them.
        var failures: FailureTracker
        /// Polls and assignment changes since start.
        var counters = LoopCounters()
        /// The per-partition concurrency limit (kept across restarts).
        var maxConcurrency: Int?
        /// Seeks that need the broker to resolve (a timestamp, a relative position), waiting for the next boundary.
        var seekRequests: [SeekRequest] = []
        /// Records a consumer interceptor dropped, until they come up for handling.
        var discarded: Set<RecordKey> = []
        /// The delay the throttle applied last.
        var throttleDelay: Duration?

        init(_ endpoint: ListenerEndpoint) {
            commits = CommitScheduler(ackMode: endpoint.ackMode, commitMode: endpoint.commitMode, now: .now)
            failures = FailureTracker(
                scope: endpoint.perPartition == nil ? .partition : .record, backOff: endpoint.errorHandler.backOff)
        }

        /// The consumer of the current run.
        var consumer: KafkaConsumer? { run.consumer }
        /// The per-partition workers of the current run.
        var workers: PartitionWorkers? { run.workers }

        /// A fresh state for a new start, keeping what outlives a run: the lifecycle, the requested pauses and the
        /// concurrency limit.
        func restarted(_ endpoint: ListenerEndpoint) -> LoopState {
            var fresh = LoopState(endpoint)
            fresh.lifecycle = lifecycle
            fresh.pauses = pauses.restarted()
            fresh.maxConcurrency = maxConcurrency
            return fresh
        }
    }

    /// What one run of the container owns; empty while it is stopped.
    struct ContainerRun: Sendable {
        var consumer: KafkaConsumer?
        var loop: Task<Void, Never>?
        var watchdog: Task<Void, Never>?
        /// The per-partition workers, while a per-partition container runs.
        var workers: PartitionWorkers?
    }

    /// Counts since start.
    struct LoopCounters: Sendable {
        /// Polls completed.
        var polls = 0
        /// Assignment changes (a poll that saw one drops the records of partitions it lost).
        var rebalances = 0
    }

    /// What listener contexts hold to reach this container (see ``ContainerControlHandle``).
    let control: ContainerControlHandle

    init(
        id: String, endpoint: ListenerEndpoint, configuration: KafkaConfiguration, events: EventBus, logger: Logger,
        onAssignment: (@Sendable (SingleContainer, RebalanceEvent) -> Void)? = nil,
        transactions: ContainerTransactions? = nil
    ) {
        self.transactions = transactions
        self.id = id
        self.listenerId = endpoint.id
        self.endpoint = endpoint
        self.configuration = configuration
        self.events = events
        var logger = logger
        logger[metadataKey: "listener.id"] = "\(endpoint.id)"
        logger[metadataKey: "container.id"] = "\(id)"
        self.logger = logger
        self.metrics = ListenerMetrics(listenerId: endpoint.id, containerId: id)
        self.onAssignment = onAssignment
        self.tracker = OffsetTracker(persistCompleted: endpoint.perPartition?.persistCompleted ?? false)
        self.state = Mutex(LoopState(endpoint))
        self.control = ContainerControlHandle(id: id, listenerId: endpoint.id, endpoint: endpoint)
        state.withLock { $0.maxConcurrency = endpoint.perPartition?.effectiveMaxConcurrency }
        control.attach(self)
    }

    /// Whether the poll loop runs.
    public var isRunning: Bool { state.withLock { $0.lifecycle.isActive } }

    /// The partitions assigned to this container now.
    public var assignedPartitions: [TopicPartition] { tracker.assignedPartitions }

    /// A snapshot of the container's state.
    public var status: ContainerStatus {
        let (running, requests, applied, workers, maxConcurrency, throttleDelay) = state.withLock {
            (
                $0.lifecycle.isActive, $0.pauses.requests, $0.pauses.applied, $0.workers, $0.maxConcurrency,
                $0.throttleDelay
            )
        }
        let snapshot = tracker.snapshot
        var pauses: [TopicPartition: PartitionPause] = [:]
        for tp in applied {
            pauses[tp] = PartitionPause(
                reasons: snapshot[tp]?.pauseReasons ?? [], resumeAt: snapshot[tp]?.resumeAt ?? [:])
        }
        return ContainerStatus(
            id: id, listenerId: listenerId, isRunning: running, isPauseRequested: requests.isPaused(.container),
            pauseResumeAt: requests.deadline(of: .container),
            assignedPartitions: snapshot.keys.sorted(), partitionPauses: pauses,
            requestedPartitionPauses: Dictionary(
                uniqueKeysWithValues: requests.pausedPartitions.map { ($0, requests.deadline(of: .partition($0))) }),
            workers: endpoint.perPartition.map {
                WorkerStatus(
                    ordering: $0.ordering, maxConcurrency: maxConcurrency, running: workers?.running ?? 0,
                    buffered: workers?.buffered ?? [:])
            },
            throttleDelay: endpoint.throttle == nil ? nil : (throttleDelay ?? .zero))
    }

    func emit(_ kind: ContainerEvent.Kind) {
        events.emit(ContainerEvent(containerId: id, listenerId: listenerId, kind: kind))
    }

    // MARK: Start and stop

    /// Creates the consumer, subscribes or assigns, and starts the poll loop. Does nothing if running.
    ///
    /// - Throws: `KafkaError` for a configuration the consumer refuses or a bad topic name.
    public func start() async throws {
        let shouldStart = state.withLock { state -> Bool in
            guard state.lifecycle.start() else { return false }
            state = state.restarted(endpoint)
            return true
        }
        guard shouldStart else { return }
        do {
            let metrics = self.metrics
            // Only a rebalance listener can ask where partitions start.
            var assignmentOffsets: AssignmentOffsetsHandler?
            if endpoint.rebalanceListener != nil {
                assignmentOffsets = { [weak self] partitions, session in self?.assigning(partitions, session) ?? [:] }
            }
            let consumer = try KafkaConsumer(
                configuration: configuration,
                rebalanceHandler: { [weak self] event, session in self?.rebalanced(event, session) },
                assignmentOffsets: assignmentOffsets, logger: logger,
                onStatistics: { [weak self] in
                    metrics.recordLag(statistics: $0, assigned: Set(self?.tracker.assignedPartitions ?? []))
                })
            let workers = makeWorkers()
            state.withLock {
                $0.run.consumer = consumer
                $0.run.workers = workers
            }
            switch endpoint.selection {
            case .topics(let topics): try await consumer.subscribe(topics: topics)
            case .pattern(let pattern): try await consumer.subscribe(pattern: pattern)
            case .partitions(let partitions):
                tracker.assigned(partitions.map(\.topicPartition))
                try await consumer.assign(partitions)
                emit(.partitionsAssigned(partitions.map(\.topicPartition)))
            }
            // The loop runs on the consumer's own thread (its task executor): polls need no thread switch,
            // and the listener runs there too, as in Spring-Kafka. A per-partition container's loop only
            // hands records to its workers, whose lanes are unstructured tasks (they do not inherit the
            // preference) and run on the shared pool.
            let loop = Task(executorPreference: consumer.taskExecutor) { await self.runLoop(consumer) }
            let watchdog = Task { await self.watch() }
            let started = state.withLock {
                $0.run.loop = loop
                $0.run.watchdog = watchdog
                return $0.lifecycle.started()
            }
            logger.info("container started on \(endpoint.selection)")
            emit(.started)
            if case .stop(let kind) = started {
                logger.info("a stop was requested while the container started: stopping now")
                await stop(abrupt: kind == .abrupt)
            }
        } catch {
            let consumer = state.withLock { state -> KafkaConsumer? in
                state.lifecycle.startFailed()
                defer { state.run = ContainerRun() }
                return state.run.consumer
            }
            await consumer?.close()
            throw error
        }
    }

    /// Stops gracefully: finishes the record in flight (up to the shutdown timeout), commits, closes.
    public func stop() async {
        await stop(abrupt: false)
    }

    /// Stops without a final commit, as a crash would (tests use it to check what a crash re-delivers).
    func simulateCrash() async {
        await stop(abrupt: true)
    }

    private func stop(abrupt: Bool) async {
        guard let consumer = await stopLoop(abrupt: abrupt) else { return }
        await finishStop(consumer, abrupt: abrupt)
    }

    /// First phase of a stop: stop fetching and let the record in flight finish (up to the shutdown
    /// timeout). Returns the consumer to finish with, or `nil` if the container was not running.
    func stopLoop(abrupt: Bool) async -> KafkaConsumer? {
        let taken = state.withLock { state -> (KafkaConsumer, Task<Void, Never>?, Task<Void, Never>?)? in
            guard case .stop = state.lifecycle.stop(abrupt ? .abrupt : .graceful), let consumer = state.consumer else {
                return nil
            }
            attention.add(1, ordering: .releasing)
            return (consumer, state.run.loop, state.run.watchdog)
        }
        guard let (consumer, loop, watchdog) = taken else { return nil }
        consumer.wakeUp()
        watchdog?.cancel()
        if let loop {
            if abrupt { loop.cancel() }
            if !(await awaitCompletion(of: loop, timeout: endpoint.shutdownTimeout)) {
                logger.warning(
                    "the listener did not finish within the shutdown timeout \(endpoint.shutdownTimeout); abandoning the record in flight"
                )
                loop.cancel()
            }
        }
        if let workers {
            // Per-partition: the loop never waits for listeners, so the running ones are waited for here,
            // on the consumer's thread (which the loop no longer uses).
            let timeout = endpoint.shutdownTimeout
            let abandoned =
                (try? await consumer.withSession { _ in workers.stop(nil, timeout: timeout, wait: !abrupt) }) ?? []
            if !abrupt && !abandoned.isEmpty {
                logger.warning(
                    "listeners on \(abandoned) did not finish within the shutdown timeout \(timeout); abandoning them")
            }
        }
        return consumer
    }

    /// Second and third phases: commit what was processed (unless abrupt), then close the consumer, leaving
    /// the group.
    func finishStop(_ consumer: KafkaConsumer, abrupt: Bool) async {
        await finalCommit(consumer, abrupt: abrupt)
        await close(consumer, abrupt: abrupt)
    }

    /// Second phase: commit what was processed (unless abrupt). A concurrent container runs it on every child
    /// before any child closes: a member leaving starts a rebalance, and the broker may refuse the commits of
    /// the others while it runs.
    func finalCommit(_ consumer: KafkaConsumer, abrupt: Bool) async {
        guard !abrupt else { return }
        _ = try? await consumer.withSession { [self] session in commitNow(session) }
    }

    /// Third phase: close the consumer (leaving the group) and forget the partitions.
    func close(_ consumer: KafkaConsumer, abrupt: Bool) async {
        await consumer.close()
        let fatal = await transactions?.close()
        state.withLock {
            $0.lifecycle.closed()
            $0.run = ContainerRun()
        }
        tracker.revoked(tracker.assignedPartitions)
        metrics.lag.remove(nil)
        logger.info("container stopped\(abrupt ? " abruptly (no final commit)" : "")")
        emit(.stopped(reason: fatal.map(StopReason.fatal) ?? (abrupt ? .abrupt : .requested)))
    }

    var isStopping: Bool { state.withLock { $0.lifecycle.isStopping } }

    /// Polls completed since the container started (each one passed a poll boundary first).
    var pollsCompleted: Int { state.withLock { $0.counters.polls } }

    // MARK: Pausing

    /// Requests a pause of every assigned partition (now and later assigned), applied at the next poll
    /// boundary; with `immediate`, the rest of the current poll's records are given back too (delivered
    /// again after the resume). The consumer keeps polling. Returns `false` if a pause was already requested.
    @discardableResult
    public func pause(immediate: Bool = false) -> Bool {
        pause(until: nil, immediate: immediate).newlyPaused
    }

    /// Requests a pause of every assigned partition until resumed, or until `deadline` (then the container
    /// resumes on its own at the first poll boundary after it). A second request never shortens a timed pause:
    /// a later deadline extends it, and a request without one makes it last until resumed.
    @discardableResult
    public func pause(until deadline: ContinuousClock.Instant?, immediate: Bool = false) -> PauseOutcome {
        requestPause(.container, until: deadline, immediate: immediate)
    }

    /// Withdraws a container pause; partitions paused for other reasons (one by one, nack, back-off…) stay
    /// paused. Returns `false` if no pause was requested.
    @discardableResult
    public func resume() -> Bool {
        withdrawPause(.container)
    }

    /// Whether a container pause is requested.
    public var isPauseRequested: Bool { state.withLock { $0.pauses.requests.isPaused(.container) } }

    /// Pauses one partition until resumed, or until `deadline`, applied at the next poll boundary; with
    /// `immediate`, the rest of the current poll's records of that partition are given back too.
    ///
    /// The pause is kept whether or not the partition is assigned here now: it applies whenever it is, so it
    /// survives a rebalance that moves the partition away and back. A container pause and a partition pause
    /// are independent: resuming one leaves the other in force.
    ///
    /// - Returns: whether the partition was not paused on its own already.
    @discardableResult
    public func pause(
        _ partition: TopicPartition, until deadline: ContinuousClock.Instant? = nil, immediate: Bool = false
    ) -> Bool {
        requestPause(.partition(partition), until: deadline, immediate: immediate).newlyPaused
    }

    /// Withdraws the pause of one partition (see ``pause(_:until:immediate:)``); other pause reasons of the
    /// partition stay. Returns whether it was paused on its own.
    @discardableResult
    public func resume(_ partition: TopicPartition) -> Bool {
        withdrawPause(.partition(partition))
    }

    /// Records a pause request; the next poll boundary turns it into pause reasons of the assigned partitions.
    func requestPause(_ scope: PauseScope, until deadline: ContinuousClock.Instant?, immediate: Bool) -> PauseOutcome {
        let outcome = state.withLock { $0.pauses.pause(scope, until: deadline) }
        if immediate {
            switch scope {
            case .container:
                state.withLock { $0.batch.giveBackAll() }
                attention.add(1, ordering: .releasing)
                giveBackQueued(nil)
            case .partition(let tp) where tracker.assignedPartitions.contains(tp):
                state.withLock { $0.batch.giveBack(tp) }
                attention.add(1, ordering: .releasing)
                giveBackQueued([tp])
            case .partition:
                break
            }
        }
        wakeUp()
        return outcome
    }

    /// Withdraws a pause request; returns whether there was one.
    func withdrawPause(_ scope: PauseScope) -> Bool {
        let withdrawn = state.withLock { $0.pauses.resume(scope) }
        wakeUp()
        return withdrawn
    }

    /// The scheduled end of a requested pause of `scope`, if it has one.
    func scheduledResume(of scope: PauseScope) -> ContinuousClock.Instant? {
        state.withLock { $0.pauses.requests.deadline(of: scope) }
    }

    /// Makes the next poll boundary reconcile pauses and seeks.
    func markPausesDirty() {
        state.withLock { $0.pauses.changed() }
    }

    func wakeUp() {
        state.withLock { $0.consumer }?.wakeUp()
    }
}
