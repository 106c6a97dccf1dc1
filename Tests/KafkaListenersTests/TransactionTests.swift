import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// What a transactional listener saw, call by call.
final class TransactionalCalls: Sendable {
    struct Call: Sendable {
        var offsets: [Int64]
        var failed: Bool
    }

    let calls = Mutex<[Call]>([])

    /// Notes a call; returns its number (1, 2, …).
    func note(_ offsets: [Int64], failsIf fail: (Int) -> Bool) -> Bool {
        calls.withLock {
            let failed = fail($0.count + 1)
            $0.append(Call(offsets: offsets, failed: failed))
            return failed
        }
    }

    var all: [Call] { calls.withLock { $0 } }
}

/// The sender of a transactional listener's context, or an error if there is none.
struct NoTransactionalSender: Error {}

extension Recorder {
    /// The transaction events, in order.
    var transactionEvents: [TransactionEvent] {
        events.withLock { $0.compactMap { if case .transaction(let event) = $0.kind { event } else { nil } } }
    }

    /// The offsets of `tp` committed by transactions, in order.
    func transactionCommits(_ tp: TopicPartition) -> [Int64] {
        transactionEvents.flatMap { event -> [Int64] in
            guard case .committed(let offsets) = event else { return [] }
            return offsets.filter { $0.topicPartition == tp }.map(\.offset.rawValue)
        }
    }

    /// Commits made outside transactions (`rd_kafka_commit`), for any partition.
    var plainCommits: [ContainerEvent] { events(matching: { if case .committed = $0 { true } else { false } }) }

    /// The transaction events as a compact script: `B` begun, `O` offsets sent, `C` committed, `A` aborted, `F` failed.
    var transactionScript: String {
        transactionEvents.map { event in
            switch event {
            case .begun: "B"
            case .offsetsSent: "O"
            case .committed: "C"
            case .aborted: "A"
            case .failed: "F"
            }
        }.joined()
    }
}

/// A batch listener that copies each record to `output` in the transaction and fails the calls `fails` picks.
func copyingListener(
    to output: String, _ calls: TransactionalCalls, fails: @escaping @Sendable (Int) -> Bool
)
    -> Listener
{
    .batch { records, context in
        guard let sender = context.transactionalSender else { throw NoTransactionalSender() }
        for record in records {
            try await sender.send(
                ProducerRecord(
                    topic: output, partition: 0, key: record.keyString, value: "out-\(record.valueString ?? "")"))
        }
        if calls.note(records.map(\.offset), failsIf: fails) { throw Poison() }
    }
}

@Suite("Transactions: consume-transform-produce on EmbeddedKafka", .timeLimit(.minutes(10)))
struct TransactionTests {
    @Test(
        "a transactional listener that fails every third batch: every input's output appears, aborted batches come again, offsets commit only in transactions"
    )
    func failEveryThirdBatch() async throws {
        let input = try await kafka.topic("txn-in", partitions: 1)
        let output = try await kafka.topic("txn-out", partitions: 1)
        let tp = TopicPartition(input, 0)
        try await produceValues((0..<30).map { "v\($0)" }, to: input, partition: 0)
        let calls = TransactionalCalls()
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        let id = kafka.unique("txn-third")
        var endpoint = ListenerEndpoint(
            id: id, selection: .topics([input]), listener: copyingListener(to: output, calls) { $0 % 3 == 0 },
            maxPollRecords: 5, errorHandler: ErrorHandler(backOff: .fixed(.milliseconds(50), maxAttempts: 10)))
        endpoint.transactions = ListenerTransactions(transactionalIdPrefix: "tx-")
        let container = try registry.register(endpoint)
        let child = try #require(container.children.first)
        #expect(child.configuration["isolation.level"] == "read_committed", "the default for transactional listeners")
        #expect(child.transactions?.transactionalId == "tx-\(id)-0", "prefix + child id")
        try await registry.startAll()
        try await waitUntil(
            "transactions committed through offset 30",
            observed: { "\(recorder.transactionScript) \(recorder.transactionCommits(tp))" }
        ) { recorder.transactionCommits(tp).last == 30 }
        await registry.stopAll()

        let all = calls.all
        let succeeded = all.filter { !$0.failed }
        let failed = all.filter(\.failed)
        #expect(failed.count >= 3, "30 records in polls of at most 5: at least six commits, so three failures")
        #expect(
            succeeded.flatMap(\.offsets) == Array(0..<30),
            "the committed calls cover every record exactly once, in order: \(all)")
        for (index, call) in all.enumerated() where call.failed {
            let first = try #require(call.offsets.first)
            #expect(
                all[(index + 1)...].contains { $0.offsets.first == first },
                "the aborted batch from \(first) was delivered again")
        }
        // Each transaction: begun, then offsets sent and committed, or aborted.
        let script = recorder.transactionScript
        #expect(
            script.replacing("BOC", with: "").replacing("BA", with: "").isEmpty, "call sequence \(script)")
        #expect(script.ranges(of: "BOC").count == succeeded.count && script.ranges(of: "BA").count == failed.count)
        let commits = recorder.transactionCommits(tp)
        #expect(commits == commits.sorted() && Set(commits).count == commits.count, "commits only move forward")
        // Nothing is committed outside the transactions: no rd_kafka_commit, and the group's committed offset (read
        // with OffsetFetch) is not advanced by one.
        #expect(recorder.plainCommits.isEmpty, "\(recorder.plainCommits)")
        let committed = try await committedOffsets(group: id, topic: input, partitions: 1)
        if kafka.isEmbedded {
            #expect(committed == [KafkaOffset.invalid.rawValue], "the mock stores no transactional offsets")
        } else {
            #expect(committed == [30])
        }
        // The mock does not hide aborted records: every send is there, the committed ones among them.
        let sent = all.reduce(0) { $0 + $1.offsets.count }
        let copies = try await readAll(output, partition: 0, expecting: kafka.isEmbedded ? sent : 30)
        let values = Set(copies.compactMap(\.valueString))
        #expect(values == Set((0..<30).map { "out-v\($0)" }), "every input's output appears")
        if kafka.isEmbedded { #expect(copies.count == sent, "aborted copies stay visible on the mock") }
    }

    @Test(
        "a record that keeps failing is retried in new transactions, then recovered; its offset goes into the next transaction"
    )
    func recoveredRecordCommitsInNextTransaction() async throws {
        let input = try await kafka.topic("txn-recover", partitions: 1)
        let output = try await kafka.topic("txn-recover-out", partitions: 1)
        let tp = TopicPartition(input, 0)
        try await produceValues(["a", "b", "poison", "c", "d"], to: input, partition: 0)
        let log = CallLog()
        let recovered = Mutex<[Int64]>([])
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        let id = kafka.unique("txn-recover")
        var endpoint = ListenerEndpoint(
            id: id, selection: .topics([input]),
            listener: .record { record, context in
                log.note(record)
                guard let sender = context.transactionalSender else { throw NoTransactionalSender() }
                try await sender.send(ProducerRecord(topic: output, partition: 0, value: record.valueString ?? ""))
                if record.valueString == "poison" { throw Poison() }
            }, maxPollRecords: 10,
            errorHandler: ErrorHandler(
                backOff: .fixed(.milliseconds(50), maxAttempts: 3),
                recoverer: .custom { record, _, _ in recovered.withLock { $0.append(record.offset) } }))
        endpoint.transactions = ListenerTransactions(transactionalIdPrefix: "tx-")
        _ = try registry.register(endpoint)
        try await registry.startAll()
        try await waitUntil(
            "a transaction committed through offset 5",
            observed: { "\(recorder.transactionScript) \(log.offsets(tp))" }
        ) { recorder.transactionCommits(tp).last == 5 }
        await registry.stopAll()
        #expect(recovered.withLock { $0 } == [2])
        #expect(log.times(tp, 2).count == 3, "max-attempts listener calls, none after the recovery: \(log.offsets(tp))")
        #expect(log.offsets(tp).suffix(2) == [3, 4], "after the recovery the records after it are handled")
        let script = recorder.transactionScript
        #expect(script.ranges(of: "BA").count == 3, "one abort per failed attempt: \(script)")
        let commits = recorder.transactionCommits(tp)
        #expect(commits == commits.sorted() && Set(commits).count == commits.count, "\(commits)")
        // The transaction after the recovery commits past the recovered record without handing it over again.
        let kinds = recorder.events.withLock { $0.map(\.kind) }
        let recoveredAt = try #require(kinds.firstIndex { if case .recovered = $0 { true } else { false } })
        let nextCommit = kinds[recoveredAt...].lazy.compactMap { kind -> Int64? in
            guard case .transaction(.committed(let offsets)) = kind else { return nil }
            return offsets.first { $0.topicPartition == tp }?.offset.rawValue
        }.first
        #expect(nextCommit.map { $0 > 2 } == true, "the next transaction commits past offset 2: \(commits)")
        let before = kinds[..<recoveredAt].compactMap { kind -> Int64? in
            guard case .transaction(.committed(let offsets)) = kind else { return nil }
            return offsets.first { $0.topicPartition == tp }?.offset.rawValue
        }
        #expect(before.allSatisfy { $0 <= 2 }, "nothing commits past the failing record before its recovery: \(before)")
        #expect(recorder.plainCommits.isEmpty)
    }

    @Test("a crash while the listener runs: the transaction is aborted, not committed")
    func crashAbandonsTransaction() async throws {
        let input = try await kafka.topic("txn-crash", partitions: 1)
        let output = try await kafka.topic("txn-crash-out", partitions: 1)
        try await produceValues(["a", "b", "c"], to: input, partition: 0)
        let entered = Atomic<Bool>(false)
        let gate = Atomic<Bool>(false)
        let recorder = Recorder()
        let registry = makeRegistry()
        recorder.record(registry.events)
        var endpoint = ListenerEndpoint(
            id: kafka.unique("txn-crash"), selection: .topics([input]),
            listener: .batch { records, context in
                try await context.transactionalSender?.send(ProducerRecord(topic: output, value: "\(records.count)"))
                entered.store(true, ordering: .releasing)
                // Ignores cancellation on purpose: the listener returns normally after the crash began.
                let deadline = ContinuousClock.now + .seconds(20)
                while !gate.load(ordering: .acquiring) && ContinuousClock.now < deadline { await Task.yield() }
            })
        endpoint.transactions = ListenerTransactions(transactionalIdPrefix: "tx-")
        let child = try #require(try registry.register(endpoint).children.first)
        try await registry.startAll()
        try await waitUntil("the listener runs") { entered.load(ordering: .acquiring) }
        let crash = Task { await child.simulateCrash() }
        try await waitUntil("the crash began") { child.isStopping }
        gate.store(true, ordering: .releasing)
        await crash.value
        try await waitUntil("the abort reported", observed: { recorder.transactionScript }) {
            recorder.transactionScript.contains("A")
        }
        #expect(recorder.transactionScript == "BA", "begun, then aborted: nothing committed")
        #expect(recorder.plainCommits.isEmpty)
        await registry.stopAll()
    }

    @Test("the transactional modifier sets the settings; without transactions there is no sender; settings are checked")
    func settingsAndSenderAbsence() throws {
        #expect(throws: ListenerError.self) {
            var endpoint = ListenerEndpoint(id: "t", selection: .topics(["t"]), listener: .record { _, _ in })
            endpoint.transactions = ListenerTransactions(transactionalIdPrefix: "tx-")
            endpoint.perPartition = PerPartitionOptions()
            try endpoint.validate()
        }
        #expect(throws: ListenerError.self) {
            var endpoint = ListenerEndpoint(
                id: "t", selection: .topics(["t"]), listener: .record { _, _ in }, ackMode: .manual)
            endpoint.transactions = ListenerTransactions(transactionalIdPrefix: "tx-")
            try endpoint.validate()
        }
        #expect(throws: ListenerError.self) {
            var endpoint = ListenerEndpoint(id: "t", selection: .topics(["t"]), listener: .record { _, _ in })
            endpoint.transactions = ListenerTransactions(
                transactionalIdPrefix: "tx-", producerProperties: ["transactional.id": "mine"])
            try endpoint.validate()
        }
        let declared = try ListenBatch("enrich", topics: "orders") { (_: [ConsumerRecord], _) in }
            .transactional(transactionalIdPrefix: "tx-", timeout: .seconds(5)).declaredListeners()
        #expect(declared.first?.endpoint.transactions?.transactionalIdPrefix == "tx-", "the modifier sets it")
        #expect(declared.first?.endpoint.transactions?.timeout == .seconds(5))
        let plain = ListenerEndpoint(id: "t", selection: .topics(["t"]), listener: .record { _, _ in })
        let context = ListenerContext(
            scope: .record(TopicPartition("t", 0), 0),
            control: ContainerControlHandle(id: "t-0", listenerId: "t", endpoint: plain))
        #expect(context.transactionalSender == nil, "no sender without transactions")
        // Each child has its own transactional.id; read_committed unless the endpoint says otherwise.
        let registry = ListenerRegistry(baseConfiguration: KafkaConfiguration(bootstrapServers: "localhost:9"))
        var two = ListenerEndpoint(id: "two", selection: .topics(["t"]), listener: .record { _, _ in }, concurrency: 2)
        two.transactions = ListenerTransactions(transactionalIdPrefix: "tx-")
        let children = try registry.register(two).children
        #expect(children.map { $0.transactions?.transactionalId } == ["tx-two-0", "tx-two-1"])
        #expect(children.map { $0.configuration["isolation.level"] } == ["read_committed", "read_committed"])
        #expect(children.map { $0.transactions?.configuration["transactional.id"] } == ["tx-two-0", "tx-two-1"])
        var uncommitted = ListenerEndpoint(
            id: "uncommitted", selection: .topics(["t"]), listener: .record { _, _ in },
            consumerProperties: ["isolation.level": "read_uncommitted"])
        uncommitted.transactions = ListenerTransactions(transactionalIdPrefix: "tx-")
        #expect(try registry.register(uncommitted).children[0].configuration["isolation.level"] == "read_uncommitted")
        // A send outside an open transaction is refused.
        let outside = try #require(children[0].transactions)
        #expect(throws: ListenerError.self) { try outside.openProducer() }
        let settings = ListenerTransactions(
            transactionalIdPrefix: "tx-", producerProperties: ["sasl.password": "hunter2"])
        #expect(!settings.description.contains("hunter2"), "secrets never printed")
        let configuration = settings.producerConfiguration(base: KafkaConfiguration(), containerId: "orders-1")
        #expect(configuration["transactional.id"] == "tx-orders-1")
    }
}

/// A transactional copying listener on a cluster of its own (injected errors apply to the whole cluster).
struct InjectionScenario {
    let cluster: EmbeddedKafka
    let registry: ListenerRegistry
    let recorder = Recorder()
    let calls = TransactionalCalls()
    let container: ConcurrentContainer
    let input: String
    let output: String
    var tp: TopicPartition { TopicPartition(input, 0) }

    init(_ name: String, records: Int, inject: (EmbeddedKafka) -> Void) async throws {
        cluster = try await EmbeddedKafka.start(brokers: 1)
        input = "\(name)-in"
        output = "\(name)-out"
        try cluster.createTopic(input, partitions: 1)
        try cluster.createTopic(output, partitions: 1)
        let producer = try KafkaProducer(configuration: cluster.configuration())
        for i in 0..<records {
            try await producer.send(ProducerRecord(topic: input, partition: 0, key: "k\(i)", value: "v\(i)"))
        }
        await producer.close()
        registry = ListenerRegistry(
            baseConfiguration: cluster.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]))
        recorder.record(registry.events)
        var endpoint = ListenerEndpoint(
            id: name, selection: .topics([input]), listener: copyingListener(to: output, calls) { _ in false },
            maxPollRecords: 5, errorHandler: ErrorHandler(backOff: .fixed(.milliseconds(50), maxAttempts: 10)))
        endpoint.transactions = ListenerTransactions(
            transactionalIdPrefix: "tx-", timeout: .seconds(10), retryDelay: .milliseconds(200))
        container = try registry.register(endpoint)
        inject(cluster)
        try await registry.startAll()
    }

    /// The failed transactional calls, in order.
    var failures: [(TransactionStep, KafkaError)] {
        recorder.transactionEvents.compactMap {
            if case .failed(let step, let error) = $0 { (step, error) } else { nil }
        }
    }

    /// The stop reasons the container reported.
    var stops: [StopReason] {
        recorder.events.withLock { $0.compactMap { if case .stopped(let reason) = $0.kind { reason } else { nil } } }
    }

    func waitForCommit(through offset: Int64) async throws {
        try await waitUntil(
            "transactions committed through \(offset)",
            observed: { "\(recorder.transactionScript) \(failures.map { "\($0.0): \($0.1)" })" }
        ) { recorder.transactionCommits(tp).last == offset }
    }

    func finish() async {
        await registry.stopAll()
        await cluster.stop()
    }
}

@Suite("Transactions: injected errors on the transactional requests", .timeLimit(.minutes(10)))
struct TransactionFaultTests {
    @Test("an EndTxn error that requires an abort: the commit fails, the transaction aborts, the poll comes again")
    func abortableCommit() async throws {
        let scenario = try await InjectionScenario("txn-endtxn", records: 10) {
            $0.pushRequestErrors(.endTxn, [.unknownProducerId])
        }
        try await scenario.waitForCommit(through: 10)
        await scenario.finish()
        let failures = scenario.failures
        #expect(failures.count == 1, "\(failures)")
        #expect(failures.first?.0 == .commit)
        #expect(failures.first?.1.requiresTransactionAbort == true, "\(failures)")
        #expect(scenario.recorder.transactionScript.hasPrefix("BOFA"), "\(scenario.recorder.transactionScript)")
        let calls = scenario.calls.all
        #expect(calls.count >= 2 && calls[1].offsets.first == calls[0].offsets.first, "the aborted poll came again")
        #expect(scenario.recorder.plainCommits.isEmpty)
    }

    @Test(
        "an AddPartitionsToTxn error: the listener's send fails, the transaction aborts, the poll comes again and commits"
    )
    func addPartitionsError() async throws {
        let scenario = try await InjectionScenario("txn-addparts", records: 10) {
            $0.pushRequestErrors(.addPartitionsToTxn, [.topicAuthorizationFailed])
        }
        try await scenario.waitForCommit(through: 10)
        await scenario.finish()
        #expect(scenario.failures.isEmpty, "the transactional calls themselves succeed: \(scenario.failures)")
        let listenerFailures = scenario.recorder.events(matching: {
            if case .listenerFailed(_, _, let error) = $0 { error.contains("_PURGE_QUEUE") } else { false }
        })
        #expect(listenerFailures.count == 1, "the send failed in the listener")
        #expect(scenario.recorder.transactionScript.hasPrefix("BA"), "\(scenario.recorder.transactionScript)")
        #expect(scenario.calls.all.flatMap(\.offsets) == Array(0..<10), "the first call never finished its sends")
    }

    @Test(
        "a fenced producer while it sends (PRODUCER_FENCED on AddPartitionsToTxn): the abort is fatal, the container stops"
    )
    func fencedWhileSending() async throws {
        let scenario = try await InjectionScenario("txn-fenced-send", records: 10) {
            $0.pushRequestErrors(.addPartitionsToTxn, [.producerFenced])
        }
        try await waitUntil("the container stopped", observed: { "\(scenario.stops)" }) { !scenario.stops.isEmpty }
        let failures = scenario.failures
        #expect(failures.map(\.0) == [.abort] && failures.first?.1.isFenced == true, "\(failures)")
        guard case .fatal(let reason) = scenario.stops.first else {
            Issue.record("expected a fatal stop, got \(scenario.stops)")
            await scenario.finish()
            return
        }
        #expect(reason.contains("_FENCED"), "\(reason)")
        #expect(scenario.recorder.transactionCommits(scenario.tp).isEmpty)
        await scenario.finish()
    }

    @Test("retriable InitProducerId errors are retried by librdkafka: the transactions go on")
    func initProducerIdRetriable() async throws {
        let scenario = try await InjectionScenario("txn-init-retry", records: 10) {
            $0.pushRequestErrors(.initProducerId, [.coordinatorNotAvailable, .coordinatorLoadInProgress])
        }
        try await scenario.waitForCommit(through: 10)
        await scenario.finish()
        #expect(scenario.failures.isEmpty, "retried inside librdkafka: \(scenario.failures)")
        #expect(scenario.stops == [.requested])
    }

    @Test("InitProducerId refused (transactional id not authorized): the container stops with a fatal reason")
    func initProducerIdFatal() async throws {
        let scenario = try await InjectionScenario("txn-init-fatal", records: 10) {
            $0.pushRequestErrors(.initProducerId, [.transactionalIdAuthorizationFailed])
        }
        try await waitUntil("the container stopped", observed: { "\(scenario.stops)" }) { !scenario.stops.isEmpty }
        let failures = scenario.failures
        #expect(failures.map(\.0) == [.initialize], "\(failures)")
        #expect(failures.first?.1.isFatal == true || failures.first?.1.isFenced == true)
        guard case .fatal(let reason) = scenario.stops.first else {
            Issue.record("expected a fatal stop, got \(scenario.stops)")
            await scenario.finish()
            return
        }
        #expect(reason.contains("TRANSACTIONAL_ID_AUTHORIZATION_FAILED"), "\(reason)")
        #expect(!scenario.container.children[0].isRunning)
        #expect(scenario.calls.all.isEmpty, "no record reached the listener")
        await scenario.finish()
    }

    @Test(
        "a fenced producer (PRODUCER_FENCED on EndTxn): the container stops with a clear fatal reason, nothing commits")
    func fenced() async throws {
        let scenario = try await InjectionScenario("txn-fenced", records: 10) {
            $0.pushRequestErrors(.endTxn, [.producerFenced])
        }
        try await waitUntil("the container stopped", observed: { "\(scenario.stops)" }) { !scenario.stops.isEmpty }
        let failures = scenario.failures
        #expect(failures.count == 1 && failures.first?.0 == .commit, "\(failures)")
        #expect(failures.first?.1.isFenced == true || failures.first?.1.isFatal == true, "\(failures)")
        guard case .fatal(let reason) = scenario.stops.first else {
            Issue.record("expected a fatal stop, got \(scenario.stops)")
            await scenario.finish()
            return
        }
        #expect(reason.contains("FENCED"), "\(reason)")
        #expect(scenario.recorder.transactionCommits(scenario.tp).isEmpty, "nothing committed")
        #expect(scenario.recorder.plainCommits.isEmpty, "no commit outside the transaction either")
        await scenario.finish()
    }
}
