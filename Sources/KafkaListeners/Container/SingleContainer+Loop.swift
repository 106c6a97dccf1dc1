import KafkaClient
import Logging

extension SingleContainer {
    /// The poll loop: one hop to the consumer's thread per poll (boundary work + fetch), then dispatch.
    nonisolated(nonsending) func runLoop(_ consumer: KafkaConsumer) async {
        let maxRecords = endpoint.maxPollRecords
        let pollTimeout = endpoint.pollTimeout
        while !isStopping && !Task.isCancelled {
            let polled: [ConsumerRecord]
            do {
                polled = try await consumer.withSession { [self] session in
                    let commit = boundary(session)
                    let generation = state.withLock { $0.counters.rebalances }
                    let polled = try pollAround(commit, session, maxRecords: maxRecords, timeout: pollTimeout)
                    // A rebalance inside this poll may have revoked partitions whose records were already
                    // collected: they belong to another member now, so they are dropped, not handled.
                    guard state.withLock({ $0.counters.rebalances }) != generation, !polled.isEmpty else {
                        return polled
                    }
                    let owned = Set(tracker.assignedPartitions)
                    return polled.filter { owned.contains($0.topicPartition) }
                }
            } catch let error as KafkaError {
                if isStopping || error.kind == .closed { break }
                logger.error("poll failed: \(error)")
                if error.isFatal {
                    emit(.stopped(reason: .fatal(error.description)))
                    break
                }
                continue
            } catch {
                logger.error("poll failed: \(error)")
                continue
            }
            let now = ContinuousClock.now
            state.withLock { $0.counters.polls += 1 }
            guard !polled.isEmpty else {
                noteIdle(now)
                continue
            }
            let perPartition = endpoint.perPartition != nil
            let hold = state.withLock { state -> Bool in
                state.liveness.recordsArrived(now: now, handling: !perPartition && !state.commits.isHeld)
                state.batch.newPoll()
                return state.commits.isHeld
            }
            if hold {
                holdBack(polled)
                continue
            }
            metrics.pollBatchSize.record(polled.count)
            let records = applyConsumerInterceptors(polled)
            if let workers = state.withLock({ $0.workers }) {
                // Per-partition: hand the records over and poll again at once; workers count them.
                workers.enqueue(records)
                if let throttle = endpoint.throttle { await applyThrottle(throttle) }
                continue
            }
            let processed =
                if let transactions { await dispatchInTransaction(records, consumer, transactions) } else {
                    await dispatch(records, consumer)
                }
            metrics.records.increment(by: Int64(processed))
            state.withLock {
                $0.liveness.handlingEnded()
                $0.commits.processed(processed)
            }
            if let throttle = endpoint.throttle { await applyThrottle(throttle) }
        }
    }

    /// Polls, overlapping a synchronous commit the boundary sent: what librdkafka already holds is taken while
    /// the commit's round trip is under way; then the commit is waited for and reported, and only if nothing was
    /// queued does the poll wait (up to `timeout`) for new records. So the listener never sees a record before
    /// the previous poll's commit is answered, and an idle container reports its commit at once.
    private func pollAround(
        _ commit: SentCommit?, _ session: ConsumerSession, maxRecords: Int, timeout: Duration
    ) throws -> [ConsumerRecord] {
        guard let commit else { return try session.poll(maxRecords: maxRecords, timeout: timeout) }
        let queued: [ConsumerRecord]
        do {
            queued = try session.poll(maxRecords: maxRecords, timeout: .zero)
        } catch {
            finishCommit(commit)
            throw error
        }
        finishCommit(commit)
        return queued.isEmpty ? try session.poll(maxRecords: maxRecords, timeout: timeout) : queued
    }

    private func noteIdle(_ now: ContinuousClock.Instant) {
        guard let interval = endpoint.idleEventInterval else { return }
        if let idleFor = state.withLock({ $0.liveness.pollReturnedEmpty(now: now, interval: interval) }) {
            emit(.idle(idleFor))
        }
    }

    /// Reports a poll loop that has not come back to poll within the threshold, once per episode.
    func watch() async {
        let threshold = endpoint.nonResponsiveThreshold ?? configuration.maxPollInterval ?? .seconds(300)
        let tick = max(.milliseconds(20), min(.seconds(1), threshold / 4))
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            // A per-partition container's loop never waits for listeners: its oldest running call counts.
            let workers = state.withLock { $0.workers }
            let oldestCall = workers?.oldestRunningSince
            let stuckFor = state.withLock {
                $0.liveness.watch(
                    now: now, threshold: threshold, perPartition: workers != nil, oldestWorkerCall: oldestCall)
            }
            if let stuckFor {
                logger.warning(
                    "poll loop has not polled for \(stuckFor) (threshold \(threshold)): the listener is slow or stuck")
                emit(.nonResponsive(stuckFor))
            }
        }
    }

    func makeContext(_ scope: RecordScope) -> ListenerContext {
        ListenerContext(scope: scope, control: control)
    }
}
