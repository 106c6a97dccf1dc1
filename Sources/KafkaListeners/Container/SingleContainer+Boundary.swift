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
        let (dirty, requests, ended, timed) = state.withLock { state in
            if state.rebalancePending, let until = state.holdUntil, now >= until {
                state.rebalancePending = false
                state.holdUntil = nil
            }
            let ended = state.pauses.earliestDeadline.map { $0 <= now } == true ? state.pauses.expire(now: now) : []
            defer { state.pausesDirty = false }
            return (state.pausesDirty || !ended.isEmpty, state.pauses, ended, state.hasTimedPauses)
        }
        for scope in ended { logger.info("the pause of \(scope) ended as scheduled") }
        // Pause bookkeeping only when something changed or a timed pause may have ended: a steady
        // stream of polls does no per-partition work here.
        if dirty || timed {
            // Requested pauses (container and partition, each its own reason) become pause reasons of the
            // assigned partitions; reasons of other sources are left as they are.
            if dirty { tracker.apply(requests) }
            tracker.expirePauses(now: now)
            resolveTimestampSeek(session)
            let seeks = tracker.takeSeeks()
            if !seeks.isEmpty {
                do { try session.seek(seeks) } catch { logger.error("seek to \(seeks) failed: \(error)") }
                state.withLock { $0.workers }?.seeksApplied(seeks.map(\.topicPartition))
            }
            reconcilePauses(session)
            state.withLock { $0.hasTimedPauses = tracker.hasTimedPauses }
        }
        // A container stopping abruptly (a simulated crash) commits nothing more.
        guard commitIsDue(now) && !state.withLock({ $0.abrupt }) else { return nil }
        return commitDue(session, force: false, overlapped: true)
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
        let desired = Set(snapshot.filter { !$0.value.pauseReasons.isEmpty }.keys)
        let applied = state.withLock { $0.appliedPaused }.intersection(snapshot.keys)
        let toPause = desired.subtracting(applied).sorted()
        let toResume = applied.subtracting(desired).sorted()
        if !toPause.isEmpty {
            do {
                try session.pause(toPause)
                let reasons = Set(toPause.flatMap { snapshot[$0]?.pauseReasons ?? [] })
                let resumeAt = toPause.compactMap { snapshot[$0]?.resumeAt.values.max() }.max()
                logger.debug("paused \(toPause) (\(reasons.map(\.description).sorted().joined(separator: ", ")))")
                emit(.paused(toPause, reason: reasons.sorted { $0.description < $1.description }.first ?? .container, resumeAt: resumeAt))
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
        state.withLock { $0.appliedPaused = desired }
    }

    /// Whether the ack mode wants a commit at this boundary.
    private func commitIsDue(_ now: ContinuousClock.Instant) -> Bool {
        let (lastCommitAt, processed) = state.withLock { ($0.lastCommitAt, $0.processedSinceCommit) }
        switch endpoint.ackMode {
        case .record, .batch, .manual, .manualImmediate: return true
        case .time(let interval): return now - lastCommitAt >= interval
        case .count(let count): return processed >= count
        case .countTime(let count, let interval): return processed >= count || now - lastCommitAt >= interval
        }
    }

    /// Commits every due offset (only `only`, if given): synchronously, or asynchronously with at most one
    /// commit in flight. `force` commits synchronously whatever the mode (stop and revoke). With `overlapped`,
    /// a synchronous commit is sent and returned instead of waited for: the caller must ``finishCommit(_:)`` it.
    @discardableResult
    func commitDue(
        _ session: ConsumerSession, force: Bool, only: Set<TopicPartition>? = nil, overlapped: Bool = false
    ) -> SentCommit? {
        if !force && isBackingOffCommits() { return nil }
        let due = tracker.commitsDue(only: only)
        guard !due.isEmpty else { return nil }
        if endpoint.commitMode == .async && !force {
            sendAsyncCommit(session)
            return nil
        }
        let started = ContinuousClock.now
        if overlapped { return SentCommit(pending: session.beginCommit(due), started: started) }
        do {
            try session.commit(due)
            committed(due, at: started)
        } catch let error as KafkaError {
            commitFailed(due, error)
        } catch {
            commitFailed(due, KafkaError(kind: .broker, message: "\(error)", operation: "commit offsets"))
        }
        return nil
    }

    /// Sends one async commit of everything due, unless one is in flight (then the in-flight one's
    /// completion sends the next). Runs on the consumer's thread.
    func sendAsyncCommit(_ session: ConsumerSession, claimed: Bool = false) {
        let now = ContinuousClock.now
        let send = state.withLock { state -> Bool in
            if state.asyncCommitInFlight && !claimed {
                state.asyncCommitAgain = true
                return false
            }
            // Backing off after a refused commit: the first poll boundary after the back-off sends it.
            if state.isBackingOffCommits(at: now) {
                state.asyncCommitInFlight = false
                state.asyncCommitAgain = false
                return false
            }
            state.asyncCommitInFlight = true
            state.asyncCommitAgain = false
            return true
        }
        guard send else { return }
        let due = tracker.commitsDue()
        guard !due.isEmpty else {
            state.withLock { $0.asyncCommitInFlight = false }
            return
        }
        let started = ContinuousClock.now
        session.commitAsync(due) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success: self.committed(due, at: started)
            case .failure(let error): self.commitFailed(due, error)
            }
            let again = self.state.withLock { state -> Bool in
                state.asyncCommitInFlight = false
                return state.asyncCommitAgain
            }
            // Still on the consumer's thread (a poll serves this completion): queue the next commit.
            if again, let consumer = self.state.withLock({ $0.consumer }) {
                consumer.submit { [weak self] in self?.sendAsyncCommit($0) }
            }
        }
    }

    private func committed(_ offsets: [TopicPartitionOffset], at started: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        // An async commit can complete after a later synchronous one (a revoke or stop commits synchronously
        // while it is in flight); what it carried is already superseded, so only what moved is reported.
        let offsets = tracker.didCommit(offsets)
        let wasHeld = state.withLock { state -> Bool in
            state.lastCommitAt = now
            state.processedSinceCommit = 0
            state.commitFailures = 0
            state.commitRetryAt = nil
            defer { state.rebalancePending = false }
            return state.rebalancePending
        }
        if wasHeld { endHold() }
        guard !offsets.isEmpty else { return }
        interceptCommit(offsets, error: nil)
        metrics.commits.increment()
        metrics.commitDuration.recordNanoseconds(Int64((now - started) / .nanoseconds(1)))
        logger.trace("committed \(offsets)")
        emit(.committed(offsets))
    }

    private func commitFailed(_ offsets: [TopicPartitionOffset], _ error: KafkaError) {
        // REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID: the group is moving partitions.
        var alreadyHeld = false
        var retryIn: Duration?
        if let code = error.code, [27, 22, 25].contains(code) {
            alreadyHeld = state.withLock { state in
                defer { state.rebalancePending = true }
                return state.rebalancePending
            }
            attention.add(1, ordering: .releasing)
        } else {
            // Anything else may last (an authorization, a broker away): the next tries wait, longer each time.
            let now = ContinuousClock.now
            retryIn = state.withLock { state in
                state.commitFailures += 1
                let delay = Self.commitRetryDelay(afterFailures: state.commitFailures)
                state.commitRetryAt = now + delay
                return delay
            }
        }
        interceptCommit(offsets, error: error)
        metrics.commitsFailed.increment()
        // A rebalance refuses every commit until it is over: the first refusal is worth a warning, the rest of
        // the same hold (one per poll) only a debug line.
        logger.log(
            level: alreadyHeld ? .debug : .warning,
            "commit of \(offsets) failed (will retry\(retryIn.map { " in \(Int(($0 / .milliseconds(1)).rounded())) ms" } ?? "")): \(error)")
        emit(.commitFailed(offsets, error: error))
    }

    /// Whether a refused commit's back-off is still running (stop and revoke commit anyway).
    func isBackingOffCommits() -> Bool {
        let now = ContinuousClock.now
        return state.withLock { $0.isBackingOffCommits(at: now) }
    }

    /// How long to wait before trying again after `failures` refused commits in a row: 100 ms, doubling, at
    /// most 5 s. Records keep flowing meanwhile; the retry carries their offsets too.
    static func commitRetryDelay(afterFailures failures: Int) -> Duration {
        let first = Duration.milliseconds(100), longest = Duration.seconds(5)
        return min(first * (1 << min(max(failures - 1, 0), 16)), longest)
    }

    /// After each record in `record` ack mode with sync commits: commit now; the loop waits. While backing off
    /// after a refused commit, the commit is left to the first poll boundary after the back-off.
    func commitAfterRecordSync(_ consumer: KafkaConsumer) async {
        if state.withLock({ $0.abrupt }) || isBackingOffCommits() { return }
        _ = try? await consumer.withSession { [self] session in _ = commitDue(session, force: true) }
    }

    /// After each record in `record` ack mode with async commits: ask for a commit without waiting.
    ///
    /// Synchronous on purpose: an `async` call per record cost about three allocations per record.
    func requestAsyncCommit(_ consumer: KafkaConsumer) {
        // One commit in flight at a time, claimed here (not when the job runs, or every record until then
        // would queue a job): while one is, only note that another is wanted — its completion sends it,
        // carrying the newest offsets.
        let claimed = state.withLock { state -> Bool in
            if state.abrupt { return false }
            if state.asyncCommitInFlight {
                state.asyncCommitAgain = true
                return false
            }
            state.asyncCommitInFlight = true
            return true
        }
        if claimed, !consumer.submit({ [weak self] in self?.sendAsyncCommit($0, claimed: true) }) {
            state.withLock { $0.asyncCommitInFlight = false }  // closed: nothing will send it
        }
    }

    /// Lifts the hold of a rebalance (it happened, or a commit went through after all).
    func endHold() {
        state.withLock { $0.holdUntil = nil }
        for tp in tracker.assignedPartitions { tracker.removePause(tp, .rebalance) }
        markPausesDirty()
    }

    // MARK: Rebalancing

    /// The consumer's rebalance handler: commit before giving partitions up, re-apply pauses on assignment.
    func rebalanced(_ event: RebalanceEvent, _ session: ConsumerSession) {
        state.withLock {
            $0.rebalances += 1
            $0.rebalancePending = false
            $0.pausesDirty = true
        }
        endHold()
        switch event.kind {
        case .assigned:
            tracker.assigned(event.partitions)
            if tracker.persistCompleted { restoreCompleted(event.partitions, session) }
            // Requested pauses apply to newly assigned partitions too (a container pause, and a partition pause
            // that was requested while another member owned it).
            tracker.apply(state.withLock { $0.pauses })
            // librdkafka keeps a partition's pause flag across unassign and reassign, while the tracker
            // starts newly assigned partitions afresh: set librdkafka's state explicitly both ways, before
            // the first fetch returns anything.
            let shouldPause = Set(tracker.pausedPartitions)
            let flowing = event.partitions.filter { !shouldPause.contains($0) }
            if !flowing.isEmpty {
                do { try session.resume(flowing) } catch { logger.error("resume of newly assigned \(flowing) failed: \(error)") }
            }
            state.withLock { $0.appliedPaused.subtract(flowing) }
            reconcilePauses(session)
            emit(.partitionsAssigned(event.partitions))
        case .revoked:
            if let workers = state.withLock({ $0.workers }) {
                // Per-partition: queued records of the revoked partitions are dropped; running ones get the
                // shutdown timeout to finish, so what they processed is committed below and nothing of these
                // partitions is handled after the revoke.
                let abandoned = workers.stop(event.partitions, timeout: endpoint.shutdownTimeout, wait: !state.withLock { $0.abrupt })
                if !abandoned.isEmpty {
                    logger.warning("listeners on revoked \(abandoned) did not finish within the shutdown timeout; abandoning them")
                }
            }
            if !state.withLock({ $0.abrupt }) {
                commitDue(session, force: true, only: Set(event.partitions))
            }
            tracker.revoked(event.partitions)
            state.withLock { state in
                state.appliedPaused.subtract(event.partitions)
                for tp in event.partitions { state.failures[tp] = nil }
                if !state.discarded.isEmpty {
                    let revoked = Set(event.partitions)
                    state.discarded = state.discarded.filter { !revoked.contains($0.tp) }
                }
            }
            emit(.partitionsRevoked(event.partitions))
        case .lost:
            state.withLock { $0.workers }?.stop(event.partitions, timeout: .zero, wait: false)
            tracker.revoked(event.partitions)
            state.withLock { $0.appliedPaused.subtract(event.partitions) }
            emit(.partitionsLost(event.partitions))
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
            logger.warning("could not read the committed offsets of \(partitions): \(error); records completed past them will be handled again")
        }
    }
}

extension SingleContainer: ContainerControl {
    func acknowledge(_ records: [(TopicPartition, Int64)]) {
        guard endpoint.ackMode.isManual, !state.withLock({ $0.abrupt }) else { return }
        var moved = false
        for (tp, offset) in records where tracker.finished(tp, offset) { moved = true }
        guard moved, endpoint.ackMode == .manualImmediate, let consumer = state.withLock({ $0.consumer }) else { return }
        consumer.submit { [weak self] session in self?.commitDue(session, force: false) }
    }

    func nack(_ partition: TopicPartition, offset: Int64, sleep: Duration, acknowledging: [(TopicPartition, Int64)]) throws {
        guard endpoint.ackMode.isManual else {
            throw ListenerError.invalidState("nack is only available in manual ack modes; '\(listenerId)' uses \(endpoint.ackMode)")
        }
        acknowledge(acknowledging)
        state.withLock { $0.workers }?.discard(partition, from: offset)
        tracker.requestSeek(partition, to: offset)
        tracker.addPause(partition, .nack, until: .now + sleep)
        markPausesDirty()
        state.withLock { _ = $0.interrupted.insert(partition) }
        attention.add(1, ordering: .releasing)
    }

    func seek(_ partition: TopicPartition, to offset: Int64) {
        state.withLock { $0.workers }?.discard(partition, from: nil)
        tracker.requestSeek(partition, to: offset)
        markPausesDirty()
        state.withLock { _ = $0.interrupted.insert(partition) }
        attention.add(1, ordering: .releasing)
    }
}
