import KafkaClient

/// A transactional listener's dispatch: one transaction per poll. The container begins it, hands the records
/// to the listener (which sends through ``ListenerContext/transactionalSender``), sends the handled records'
/// offsets with the consumer's group metadata, and commits. No offset is committed with `rd_kafka_commit`: the
/// offset tracker learns of the offsets only once their transaction committed, so it never has a commit due.
///
/// A failure aborts the transaction and seeks every partition of the poll back to its first record there (the
/// offset the last transaction committed), so the whole poll is delivered again (Spring's after-rollback
/// processing); the error handler's back-off delays the failed partition, and its recoverer ends the retries
/// (the recovered record is then skipped and its offset committed by the next transaction).
extension SingleContainer {
    /// What the listener did with a poll's records inside the transaction.
    enum TransactionalDelivery {
        /// These records were handled (all, or the prefix before a stop): last handled offset per partition.
        case handled([TopicPartition: Int64], count: Int)
        /// The listener (or a pending recovery) failed.
        case failed(TransactionalFailure)
        /// The call was cancelled (an abrupt stop or the shutdown timeout).
        case cancelled
    }

    /// A failure inside the transaction and the error handler's decision about it.
    struct TransactionalFailure {
        /// The record the decision is about.
        let record: ConsumerRecord
        let error: any Error
        let decision: FailureTracker.Decision
        /// The records to recover if the decision is to recover (the failed record, or a whole failed batch).
        let toRecover: [ConsumerRecord]
    }

    /// Runs one poll's records in a transaction; returns how many were handled and committed.
    nonisolated(nonsending) func dispatchInTransaction(
        _ records: [ConsumerRecord], _ consumer: KafkaConsumer, _ transactions: ContainerTransactions
    ) async -> Int {
        let producer: KafkaProducer
        do {
            producer = try transactions.producer(logger: logger)
        } catch {
            return transactionFailed(.initialize, error, records, transactions)
        }
        let timeout = transactions.settings.timeout
        var action = transactions.withCycle { $0.pollReady() }
        if action == .abort {
            // A transaction left open by a cancelled call: abort it before anything else.
            guard await abort(producer, transactions) else { return 0 }
            action = transactions.withCycle { $0.pollReady() }
        }
        if action == .initialize {
            do {
                try await producer.initTransactions(timeout: timeout)
                logger.info("transactions initialized for transactional.id \(transactions.transactionalId)")
            } catch {
                return transactionFailed(.initialize, error, records, transactions)
            }
            action = transactions.withCycle { $0.initialized() }
        }
        guard action == .begin else { return 0 }
        do {
            try await producer.beginTransaction()
        } catch {
            return transactionFailed(.begin, error, records, transactions)
        }
        _ = transactions.withCycle { $0.begun() }
        emit(.transaction(.begun))

        switch await deliverInTransaction(records, transactions) {
        case .cancelled:
            if transactions.withCycle({ $0.listenerFailed() }) == .abort { _ = await abort(producer, transactions) }
            return 0
        case .failed(let failure):
            guard transactions.withCycle({ $0.listenerFailed() }) == .abort, await abort(producer, transactions) else {
                return 0
            }
            await afterRollback(failure, records)
            return 0
        case .handled(let last, let count):
            // A crash (an abrupt stop) or a shutdown timeout commits nothing more: the transaction is abandoned.
            if Task.isCancelled || state.withLock({ $0.lifecycle.isAbrupt }) {
                if transactions.withCycle({ $0.listenerFailed() }) == .abort { _ = await abort(producer, transactions) }
                return 0
            }
            _ = transactions.withCycle { $0.handled() }
            return await commit(last, count: count, records, consumer, producer, transactions)
        }
    }

    /// Hands the records to the listener inside the open transaction.
    private nonisolated(nonsending) func deliverInTransaction(
        _ records: [ConsumerRecord], _ transactions: ContainerTransactions
    ) async -> TransactionalDelivery {
        var last: [TopicPartition: Int64] = [:]
        var count = 0
        // Records recovered after an earlier rollback are not handed over again: their offsets go into this one.
        var deliver: [ConsumerRecord] = []
        deliver.reserveCapacity(records.count)
        for record in records {
            if transactions.takeRecovered(RecordKey(record)) {
                last[record.topicPartition] = record.offset
                count += 1
            } else {
                deliver.append(record)
            }
        }
        let failing = state.withLock { !$0.failures.isEmpty }
        let dispatcher = RecordDispatcher(self)
        if endpoint.listener.isBatch {
            guard !deliver.isEmpty else { return .handled(last, count: count) }
            switch await dispatcher.deliverBatch(deliver) {
            case .cancelled:
                return .cancelled
            case .failed(let failure):
                return .failed(
                    TransactionalFailure(
                        record: failure.record, error: failure.error, decision: failure.decision,
                        toRecover: Array(deliver[failure.handled...].prefix(failure.toRecover))))
            case .handled:
                if failing { for record in deliver { dispatcher.succeeded(record, ownFailureOnly: true) } }
                for record in deliver { last[record.topicPartition] = record.offset }
                return .handled(last, count: count + deliver.count)
            }
        }
        // Partitions whose record is not due yet (sought back and paused by the listener): the rest of them waits.
        var held: Set<TopicPartition> = []
        for record in deliver {
            // Stopping: the handled prefix commits; the rest goes to the next owner.
            if isStopping { break }
            if !held.isEmpty && held.contains(record.topicPartition) { continue }
            switch await dispatcher.deliver(record, failing: failing, recovery: .deferred, clearsOwnFailureOnly: true) {
            case .handled, .recovered:
                last[record.topicPartition] = record.offset
                count += 1
            case .held:
                held.insert(record.topicPartition)
            case .stopped, .cancelled:
                return .cancelled
            case .failed(let error, let decision):
                return .failed(
                    TransactionalFailure(record: record, error: error, decision: decision, toRecover: [record]))
            }
        }
        return .handled(last, count: count)
    }

    /// Sends the handled records' offsets and commits; on success the offset tracker learns they are committed.
    private nonisolated(nonsending) func commit(
        _ last: [TopicPartition: Int64], count: Int, _ records: [ConsumerRecord], _ consumer: KafkaConsumer,
        _ producer: KafkaProducer, _ transactions: ContainerTransactions
    ) async -> Int {
        let timeout = transactions.settings.timeout
        let offsets = last.map { TopicPartitionOffset($0.key, KafkaOffset($0.value + 1)) }.sorted {
            $0.topicPartition < $1.topicPartition
        }
        if !offsets.isEmpty {
            do {
                // Read now, not earlier: a rebalance changes the generation the coordinator checks.
                let metadata = try await consumer.withSession { try $0.groupMetadata() }
                try await producer.sendOffsetsToTransaction(offsets, groupMetadata: metadata, timeout: timeout)
            } catch {
                return await carryOut(classify(.sendOffsets, error, transactions), records, producer, transactions)
            }
            emit(.transaction(.offsetsSent(offsets)))
        }
        while true {
            do {
                try await producer.commitTransaction(timeout: timeout)
                break
            } catch {
                let action = classify(.commit, error, transactions)
                if action == .retryCommit { continue }
                return await carryOut(action, records, producer, transactions)
            }
        }
        transactions.withCycle { $0.committed() }
        tracker.finishedThrough(last)
        _ = tracker.didCommit(offsets)
        metrics.commits.increment()
        logger.trace("transaction committed \(offsets)")
        emit(.transaction(.committed(offsets)))
        return count
    }

    /// Carries out the cycle's decision about a failed call: abort and deliver the poll again, deliver it again, or
    /// stop.
    private nonisolated(nonsending) func carryOut(
        _ action: TransactionCycle.Action, _ records: [ConsumerRecord], _ producer: KafkaProducer,
        _ transactions: ContainerTransactions
    ) async -> Int {
        switch action {
        case .abort:
            if await abort(producer, transactions) { redeliver(records, waiting: [], delay: .zero) }
        case .rewind:
            redeliver(records, waiting: [], delay: .zero)
        case .stop(let reason):
            stopFatally(reason, transactions)
        case .initialize, .begin, .deliver, .commit, .retryCommit, .nothing:
            break
        }
        return 0
    }

    /// Reports a failed transactional call and returns the cycle's decision about it.
    private func classify(
        _ step: TransactionStep, _ error: any Error, _ transactions: ContainerTransactions
    ) -> TransactionCycle.Action {
        let failure =
            error as? KafkaError
            ?? KafkaError(kind: .broker, message: "\(error)", operation: "\(step) the transaction")
        let action = transactions.withCycle {
            $0.failed(step, TransactionCycle.Failure(failure), reason: failure.description)
        }
        logger.error("transaction \(step) failed (\(transactions.transactionalId)): \(failure)")
        metrics.commitsFailed.increment()
        emit(.transaction(.failed(step, error: failure)))
        return action
    }

    /// A failed initialize or begin: the records come again after the retry delay, or the container stops.
    private func transactionFailed(
        _ step: TransactionStep, _ error: any Error, _ records: [ConsumerRecord], _ transactions: ContainerTransactions
    ) -> Int {
        switch classify(step, error, transactions) {
        case .stop(let reason):
            stopFatally(reason, transactions)
        default:
            let delay = transactions.settings.retryDelay
            redeliver(records, waiting: Set(records.map(\.topicPartition)), delay: delay)
        }
        return 0
    }

    /// Aborts the open transaction (retrying a retriable failure as the cycle allows); returns whether it aborted.
    private nonisolated(nonsending) func abort(
        _ producer: KafkaProducer, _ transactions: ContainerTransactions
    ) async -> Bool {
        while true {
            do {
                try await producer.abortTransaction(timeout: transactions.settings.timeout)
                _ = transactions.withCycle { $0.aborted() }
                logger.info("transaction aborted (\(transactions.transactionalId)); the poll's records come again")
                emit(.transaction(.aborted))
                return true
            } catch {
                let action = classify(.abort, error, transactions)
                if action == .abort { continue }
                if case .stop(let reason) = action { stopFatally(reason, transactions) }
                return false
            }
        }
    }

    /// After an abort: seek every partition of the poll back to its first record and carry out the error
    /// handler's decision (a retry after the back-off, or the recoverer, whose recovered records the next
    /// transaction skips and commits).
    private nonisolated(nonsending) func afterRollback(
        _ failure: TransactionalFailure, _ records: [ConsumerRecord]
    ) async {
        let tp = failure.record.topicPartition
        switch failure.decision {
        case .retry(let delay, _), .retryRecovery(let delay):
            redeliver(records, waiting: [tp], delay: delay)
        case .recover(let attempts):
            let dispatcher = RecordDispatcher(self)
            for record in failure.toRecover {
                switch await dispatcher.runRecoverer(record, failure.error, attempts: attempts) {
                case .processed:
                    transactions?.markRecovered(RecordKey(record))
                case .retry(let delay):
                    redeliver(records, waiting: [record.topicPartition], delay: delay)
                    return
                case .stop:
                    return
                }
            }
            redeliver(records, waiting: [], delay: .zero)
        }
    }

    /// A fatal producer error: the container stops, and its stop event carries the reason.
    private func stopFatally(_ reason: String, _ transactions: ContainerTransactions) {
        transactions.noteFatal(reason)
        logger.critical(
            "the transactional producer \(transactions.transactionalId) cannot continue; stopping the container: \(reason)"
        )
        Task { await self.stop() }
    }
}
