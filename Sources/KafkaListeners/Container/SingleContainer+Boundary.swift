import KafkaClient
import Logging

extension SingleContainer {
    /// Work done on the consumer's thread between fetches: expire timed pauses, apply the container pause,
    /// seeks and the pause set, then commit what the ack mode says is due.
    ///
    /// A synchronous commit is only sent here: the caller polls the next batch while it is under way and
    /// waits for it (``finishCommit(_:)``) before handing that batch to the listener, so the listener still
    /// sees no record before the previous poll's offsets are committed, and the round trip overlaps the fetch.
    func boundary(_ session: ConsumerSession) -> SentCommit? {
        let now = ContinuousClock.now
        if tracker.persistCompleted && tracker.takeMetadataPauseChange() { markPausesDirty() }
        let (pauses, commit) = state.withLock { state in
            // A container stopping abruptly (a simulated crash) commits nothing more.
            let commit = state.lifecycle.isAbrupt ? .none : state.commits.boundary(now: now)
            return (state.pauses.boundary(now: now), commit)
        }
        for scope in pauses.ended { logger.info("the pause of \(scope) ended as scheduled") }
        // Pause bookkeeping only when something changed or a timed pause may have ended: a steady
        // stream of polls does no per-partition work here.
        if case .reconcile(let requests) = pauses.action {
            // Requested pauses (container and partition, each its own reason) become pause reasons of the
            // assigned partitions; reasons of other sources are left as they are.
            if let requests { tracker.apply(requests) }
            tracker.expirePauses(now: now)
            applySeeks(session)
            reconcilePauses(session)
            let timed = tracker.hasTimedPauses
            state.withLock { $0.pauses.reconciled(timedPausesLeft: timed) }
        }
        switch commit {
        case .none:
            return nil
        case .commitOverlapped:
            let due = tracker.commitsDue()
            guard !due.isEmpty else { return nil }
            return SentCommit(pending: session.beginCommit(due), started: .now)
        case .commitAsync:
            sendAsyncCommit(session)
            return nil
        }
    }

    /// Resolves the requested seeks and moves the partitions (on the consumer's thread).
    func applySeeks(_ session: ConsumerSession) {
        resolveSeekRequests(session)
        let seeks = tracker.takeSeeks()
        guard !seeks.isEmpty else { return }
        do { try session.seek(seeks) } catch { logger.error("seek to \(seeks) failed: \(error)") }
        state.withLock { $0.workers }?.seeksApplied(seeks.map(\.topicPartition))
    }

    /// A synchronous commit sent by ``boundary(_:)`` and not yet answered.
    struct SentCommit {
        let pending: PendingCommit
        let started: ContinuousClock.Instant
    }

    /// Waits for a commit ``boundary(_:)`` sent and reports its outcome, as a blocking commit would have.
    func finishCommit(_ commit: SentCommit) {
        switch commit.pending.wait() {
        case .success: committed(commit.pending.offsets, at: commit.started)
        case .failure(let error): commitFailed(commit.pending.offsets, error)
        }
    }

    /// Makes librdkafka's paused set equal the tracker's (every partition with a pause reason).
    func reconcilePauses(_ session: ConsumerSession) {
        let snapshot = tracker.snapshot
        let plan = PauseReconciliation.plan(
            reasons: snapshot.mapValues(\.pauseReasons), applied: state.withLock { $0.pauses.applied })
        let (toPause, toResume) = (plan.pause, plan.resume)
        if !toPause.isEmpty {
            do {
                try session.pause(toPause)
                let reasons = Set(toPause.flatMap { snapshot[$0]?.pauseReasons ?? [] })
                let resumeAt = toPause.compactMap { snapshot[$0]?.resumeAt.values.max() }.max()
                logger.debug("paused \(toPause) (\(reasons.map(\.description).sorted().joined(separator: ", ")))")
                emit(
                    .paused(
                        toPause, reason: reasons.sorted { $0.description < $1.description }.first ?? .container,
                        resumeAt: resumeAt))
            } catch {
                logger.error("pause of \(toPause) failed: \(error)")
            }
        }
        if !toResume.isEmpty {
            do {
                try session.resume(toResume)
                logger.debug("resumed \(toResume)")
                emit(.resumed(toResume))
            } catch {
                logger.error("resume of \(toResume) failed: \(error)")
            }
        }
        state.withLock { $0.pauses.applied = plan.paused }
    }

    /// Commits every due offset (only `only`, if given) synchronously, whatever the commit mode and any back-off:
    /// stop, revoke, `record` ack mode with sync commits, and `manualImmediate` (whose point is that the
    /// acknowledgement is on the broker at once). Runs on the consumer's thread.
    func commitNow(_ session: ConsumerSession, only: Set<TopicPartition>? = nil) {
        let due = tracker.commitsDue(only: only)
        guard !due.isEmpty else { return }
        let started = ContinuousClock.now
        do {
            try session.commit(due)
            committed(due, at: started)
        } catch let error as KafkaError {
            commitFailed(due, error)
        } catch {
            commitFailed(due, KafkaError(kind: .broker, message: "\(error)", operation: "commit offsets"))
        }
    }

    /// Sends the asynchronous commit the scheduler let this container claim, carrying everything due; its
    /// completion sends the next one if another was asked for meanwhile. Runs on the consumer's thread.
    func sendAsyncCommit(_ session: ConsumerSession) {
        let now = ContinuousClock.now
        let due = state.withLock { $0.commits.isBackingOff(at: now) } ? [] : tracker.commitsDue()
        guard !due.isEmpty else {
            state.withLock { $0.commits.asyncSendSkipped() }
            return
        }
        session.commitAsync(due) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success: self.committed(due, at: now)
            case .failure(let error): self.commitFailed(due, error)
            }
            // Still on the consumer's thread (a poll serves this completion): queue the next commit.
            let (again, consumer) = self.state.withLock { ($0.commits.asyncCommitCompleted(now: .now), $0.consumer) }
            if again { self.queueAsyncCommit(consumer) }
        }
    }

    /// Queues a job that sends an asynchronous commit on the consumer's thread, if no boundary sent one first.
    func queueAsyncCommit(_ consumer: KafkaConsumer?) {
        let queued =
            consumer?.submit { [weak self] session in
                guard let self else { return }
                if self.state.withLock({ $0.commits.asyncJobRuns(now: .now) }) { self.sendAsyncCommit(session) }
            } ?? false
        if !queued { state.withLock { _ = $0.commits.asyncJobRuns(now: .now, queued: false) } }
    }

    private func committed(_ offsets: [TopicPartitionOffset], at started: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        // An async commit can complete after a later synchronous one (a revoke or stop commits synchronously
        // while it is in flight); what it carried is already superseded, so only what moved is reported.
        let offsets = tracker.didCommit(offsets)
        if state.withLock({ $0.commits.committed(now: now) }) { endHold() }
        guard !offsets.isEmpty else { return }
        interceptCommit(offsets, error: nil)
        metrics.commits.increment()
        metrics.commitDuration.recordNanoseconds(Int64((now - started) / .nanoseconds(1)))
        logger.trace("committed \(offsets)")
        emit(.committed(offsets))
    }

    private func commitFailed(_ offsets: [TopicPartitionOffset], _ error: KafkaError) {
        // REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID: the group is moving partitions.
        let rebalancing = error.code.map { [27, 22, 25].contains($0) } ?? false
        let action = state.withLock { $0.commits.refused(rebalancing: rebalancing, now: .now) }
        if rebalancing { attention.add(1, ordering: .releasing) }
        interceptCommit(offsets, error: error)
        metrics.commitsFailed.increment()
        // A rebalance refuses every commit until it is over: the first refusal is worth a warning, the rest of
        // the same hold (one per poll) only a debug line. Anything else may last: the next tries wait, longer each time.
        switch action {
        case .hold(let first):
            logger.log(level: first ? .warning : .debug, "commit of \(offsets) failed (will retry): \(error)")
        case .backOff(let delay):
            logger.warning(
                "commit of \(offsets) failed (will retry in \(Int((delay / .milliseconds(1)).rounded())) ms): \(error)")
        }
        emit(.commitFailed(offsets, error: error))
    }

    /// After a record finished in `record` ack mode (on the poll loop, or by a per-partition worker): commit as the
    /// scheduler says. Returns `true` when the caller, on the poll loop, must commit synchronously now
    /// (``commitNow(_:only:)``); everything else is queued here without waiting.
    ///
    /// Synchronous on purpose: an `async` call per record cost about three allocations per record.
    func recordCommitRequested(_ consumer: KafkaConsumer, worker: Bool) -> Bool {
        let action = state.withLock { state -> CommitScheduler.RecordAction in
            state.lifecycle.isAbrupt ? .none : state.commits.recordFinished(now: .now, worker: worker)
        }
        switch action {
        case .none:
            return false
        case .commitSync:
            return true
        case .queueAsyncCommit:
            queueAsyncCommit(consumer)
            return false
        case .queueSyncCommit:
            let submitted = consumer.submit { [weak self] session in
                guard let self else { return }
                let go = self.state.withLock { !$0.lifecycle.isAbrupt && $0.commits.queuedSyncCommitRuns(now: .now) }
                if go { self.commitNow(session) }
            }
            if !submitted { state.withLock { _ = $0.commits.queuedSyncCommitRuns(now: .now) } }
            return false
        }
    }

    /// Lifts the hold of a rebalance (it happened, or a commit went through after all).
    func endHold() {
        for tp in tracker.assignedPartitions { tracker.removePause(tp, .rebalance) }
        markPausesDirty()
    }

    // MARK: Rebalancing

    /// The consumer's rebalance handler: commit before giving partitions up, re-apply pauses on assignment.
    func rebalanced(_ event: RebalanceEvent, _ session: ConsumerSession) {
        state.withLock {
            $0.counters.rebalances += 1
            _ = $0.commits.rebalanced()
            $0.pauses.changed()
        }
        endHold()
        switch event.kind {
        case .assigned:
            tracker.assigned(event.partitions)
            if tracker.persistCompleted { restoreCompleted(event.partitions, session) }
            // Requested pauses apply to newly assigned partitions too (a container pause, and a partition pause
            // that was requested while another member owned it).
            tracker.apply(state.withLock { $0.pauses.requests })
            // librdkafka keeps a partition's pause flag across unassign and reassign, while the tracker
            // starts newly assigned partitions afresh: set librdkafka's state explicitly both ways, before
            // the first fetch returns anything.
            let shouldPause = Set(tracker.pausedPartitions)
            let flowing = event.partitions.filter { !shouldPause.contains($0) }
            if !flowing.isEmpty {
                do { try session.resume(flowing) } catch {
                    logger.error("resume of newly assigned \(flowing) failed: \(error)")
                }
            }
            state.withLock { $0.pauses.applied.subtract(flowing) }
            reconcilePauses(session)
            emit(.partitionsAssigned(event.partitions))
        case .revoked:
            if let workers = state.withLock({ $0.workers }) {
                // Per-partition: queued records of the revoked partitions are dropped; running ones get the
                // shutdown timeout to finish, so what they processed is committed below and nothing of these
                // partitions is handled after the revoke.
                let abandoned = workers.stop(
                    event.partitions, timeout: endpoint.shutdownTimeout, wait: !state.withLock { $0.lifecycle.isAbrupt }
                )
                if !abandoned.isEmpty {
                    logger.warning(
                        "listeners on revoked \(abandoned) did not finish within the shutdown timeout; abandoning them")
                }
            }
            if !state.withLock({ $0.lifecycle.isAbrupt }) {
                commitNow(session, only: Set(event.partitions))
            }
            tracker.revoked(event.partitions)
            state.withLock { state in
                state.pauses.applied.subtract(event.partitions)
                state.failures.revoked(event.partitions)
                if !state.discarded.isEmpty {
                    let revoked = Set(event.partitions)
                    state.discarded = state.discarded.filter { !revoked.contains($0.tp) }
                }
            }
            metrics.lag.remove(event.partitions)
            emit(.partitionsRevoked(event.partitions))
            endpoint.rebalanceListener?.revoked(
                RebalanceContext(partitions: event.partitions, container: self, session: session))
        case .lost:
            state.withLock { $0.workers }?.stop(event.partitions, timeout: .zero, wait: false)
            tracker.revoked(event.partitions)
            state.withLock {
                $0.pauses.applied.subtract(event.partitions)
                $0.failures.revoked(event.partitions)
            }
            metrics.lag.remove(event.partitions)
            emit(.partitionsLost(event.partitions))
            endpoint.rebalanceListener?.lost(
                RebalanceContext(partitions: event.partitions, container: self, session: session))
        }
        onAssignment?(self, event)
    }
}

extension SingleContainer {
    /// Reads the newly assigned partitions' last commits: the offsets their metadata says were completed
    /// past the committed one are skipped when delivered (per-partition containers).
    func restoreCompleted(_ partitions: [TopicPartition], _ session: ConsumerSession) {
        guard !partitions.isEmpty else { return }
        do {
            for commit in try session.committed(partitions, timeout: .seconds(5)) where commit.offset.rawValue >= 0 {
                tracker.restore(commit.topicPartition, committed: commit.offset.rawValue, metadata: commit.metadata)
            }
        } catch {
            // Nothing restored: the completed records are handled again (at least once still holds).
            logger.warning(
                "could not read the committed offsets of \(partitions): \(error); records completed past them will be handled again"
            )
        }
    }
}

extension SingleContainer: ContainerControl {
    func acknowledge(_ records: [(TopicPartition, Int64)]) {
        guard endpoint.ackMode.isManual, !state.withLock({ $0.lifecycle.isAbrupt }) else { return }
        var moved = false
        for (tp, offset) in records where tracker.finished(tp, offset) { moved = true }
        guard moved, endpoint.ackMode == .manualImmediate, let consumer = state.withLock({ $0.consumer }) else {
            return
        }
        // Held back for a rebalance or backing off after a refusal: the next boundary commits it.
        consumer.submit { [weak self] session in
            guard let self else { return }
            let now = ContinuousClock.now
            let go = self.state.withLock {
                !$0.lifecycle.isAbrupt && !$0.commits.isHeld && !$0.commits.isBackingOff(at: now)
            }
            if go { self.commitNow(session) }
        }
    }

    func nack(
        _ partition: TopicPartition, offset: Int64, sleep: Duration, acknowledging: [(TopicPartition, Int64)]
    ) throws {
        guard endpoint.ackMode.isManual else {
            throw ListenerError.invalidState(
                "nack is only available in manual ack modes; '\(listenerId)' uses \(endpoint.ackMode)")
        }
        acknowledge(acknowledging)
        state.withLock { $0.workers }?.discard(partition, from: offset)
        tracker.requestSeek(partition, to: offset)
        tracker.addPause(partition, .nack, until: .now + sleep)
        markPausesDirty()
        state.withLock { $0.batch.interrupt([partition]) }
        attention.add(1, ordering: .releasing)
    }

    /// Holds a record back until `deadline` (a retry topic's record not due yet): its partition is sought back to
    /// it and paused until then (a partition pause with a scheduled resume), and the rest of the poll's records of
    /// the partition are skipped. The record is neither processed nor failed.
    func hold(_ partition: TopicPartition, offset: Int64, until deadline: ContinuousClock.Instant) {
        tracker.requestSeek(partition, to: offset)
        _ = requestPause(.partition(partition), until: deadline, immediate: false)
        state.withLock { $0.batch.interrupt([partition]) }
        attention.add(1, ordering: .releasing)
    }

    func seek(_ partition: TopicPartition, to offset: Int64) {
        // Queued records are dropped: those the seek moves past hold nothing back any more.
        let dropped = state.withLock { $0.workers }?.discard(partition, from: nil) ?? []
        tracker.forget(partition, offsets: dropped)
        tracker.requestSeek(partition, to: offset)
        markPausesDirty()
        state.withLock { $0.batch.interrupt([partition]) }
        attention.add(1, ordering: .releasing)
    }
}
