import KafkaClient
import KafkaListeners

/// Runs a declared listener without a broker: hand it records (raw, or typed values with a key and headers)
/// and look at what became of them — acknowledged, nacked, thrown, retried, skipped, dead-lettered (Spring-Kafka's
/// `KafkaTestUtils`, FastStream's `TestBroker`).
///
/// ```swift
/// let kit = try ListenerTestKit(orderListener(deadLetters: .unsent()))   // any ListenerDeclaration or ListenerEndpoint
/// let outcome = try await kit.deliver(Order(id: 7, amount: 12), key: "order-7", headers: [RecordHeader(key: "tenant", string: "acme")])
/// #expect(outcome.succeeded && outcome.acknowledged.map(\.offset) == [0])
/// let failed = try await kit.deliver(rawValue: Array("not json".utf8))
/// #expect(failed.error is DeserializationError && failed.deadLetters.count == 1)
/// ```
///
/// Each delivery goes through what a sequential container does with a poll's records: the endpoint's
/// consumer interceptors (`onConsume`), record interceptors and `RecordFilter`s (and batch interceptors),
/// the listener, then the `ErrorHandler`: the same retry decisions a container takes (its back-off and
/// `isRetryable`), then the recoverer. A delivery runs until every record is settled: handled, skipped,
/// recovered, or left by a nack, a seek or a stopping container.
///
/// What the kit does not simulate:
/// - **Time.** Back-off waits and nack sleeps are not slept: retries follow at once, and the decisions are
///   reported (``DeliveryOutcome/retries``); a back-off's `elapsed` is the sum of the waits decided so far.
/// - **Redelivery after a nack or a seek.** They are recorded (``DeliveryOutcome/containerCalls``), and the rest of
///   that partition's records in the delivery are not handed over (``DeliveryOutcome/notDelivered``); deliver
///   again to play the redelivery.
/// - **Kafka.** No consumer, no commits, no rebalances, pauses, throttling, concurrency or per-partition
///   workers (records are handled one at a time, in the order given), no idle events, metrics or container
///   events. ``DeliveryOutcome/processed`` says what a container would commit past.
/// - **Publishing.** A `Recoverer.deadLetter(_:)` recoverer's dead letter is built exactly as its
///   `DeadLetterPublisher` builds it (`kafka_dlt-*` headers, destination, partition) but not sent. A
///   `Recoverer.custom(_:)` recoverer does run. A failed recovery is reported, not retried.
/// - **Consumer interceptors' commit callbacks** (`onCommit`, `onCommitFailed`): there are no commits.
public actor ListenerTestKit {
    /// The endpoint driven, with the registry interceptors given to the initializer in front of its own.
    public nonisolated let endpoint: ListenerEndpoint
    /// The most listener calls (and recoveries) one delivery makes before it stops with
    /// ``DeliveryOutcome/stillRetrying`` (a back-off that never gives up would otherwise retry for ever).
    public nonisolated let maxCallsPerDelivery: Int
    let recorder: ListenerCallRecorder
    var decisions: ErrorHandlerDecisions
    /// The next offset the kit gives a record it builds, per partition.
    private var nextOffsets: [TopicPartition: Int64] = [:]

    /// A kit for `endpoint`; `registryInterceptors` stand for a registry's global interceptors (they run first).
    public init(
        _ endpoint: ListenerEndpoint, registryInterceptors: Interceptors = .none, maxCallsPerDelivery: Int = 1000
    ) {
        var endpoint = endpoint
        endpoint.interceptors = registryInterceptors.followed(by: endpoint.interceptors)
        self.endpoint = endpoint
        self.maxCallsPerDelivery = max(1, maxCallsPerDelivery)
        self.recorder = ListenerCallRecorder(endpoint: endpoint)
        self.decisions = ErrorHandlerDecisions(endpoint.errorHandler)
    }

    /// A kit for the listener `declaration` declares (the one with id `listenerId` when it declares several).
    ///
    /// - Throws: what building the declaration throws, `ListenerError.unknownListenerId(_:)` when no
    ///   listener has id `listenerId`, or `ListenerError.invalidState(_:)` when the declaration declares
    ///   several listeners (or none) and no `listenerId` is given.
    public init(
        _ declaration: some ListenerDeclaration, listenerId: String? = nil, registryInterceptors: Interceptors = .none,
        maxCallsPerDelivery: Int = 1000
    ) throws {
        let declared = try declaration.declaredListeners()
        let matching = declared.filter { listenerId == nil || $0.endpoint.id == listenerId }
        guard matching.count == 1, let endpoint = matching.first?.endpoint else {
            if let listenerId, matching.isEmpty { throw ListenerError.unknownListenerId(listenerId) }
            let ids = declared.map(\.endpoint.id).joined(separator: ", ")
            throw ListenerError.invalidState(
                "the declaration declares \(declared.count) listeners (\(ids)); pass the one to test as listenerId")
        }
        self.init(endpoint, registryInterceptors: registryInterceptors, maxCallsPerDelivery: maxCallsPerDelivery)
    }

    /// The topic records built by the kit go to by default: the endpoint's first topic (or explicit
    /// partition's topic); `"test"` for a pattern.
    public nonisolated var defaultTopic: String {
        switch endpoint.selection {
        case .topics(let topics): topics.first ?? "test"
        case .partitions(let partitions): partitions.first?.topicPartition.topic ?? "test"
        case .pattern: "test"
        }
    }

    // MARK: delivering records

    /// Delivers one record, as a poll of one record.
    @discardableResult
    public func deliver(_ record: ConsumerRecord) async throws -> DeliveryOutcome {
        try await deliver([record])
    }

    /// Delivers records as one poll: a record listener gets them one by one, in order; a batch listener gets
    /// them in one call.
    ///
    /// - Throws: `ListenerError.invalidState(_:)` for an empty list. What the listener throws is not
    ///   rethrown: it is in the outcome (``DeliveryOutcome/error``), with the error handler's decisions.
    @discardableResult
    public func deliver(_ records: [ConsumerRecord]) async throws -> DeliveryOutcome {
        guard !records.isEmpty else { throw ListenerError.invalidState("deliver needs at least one record") }
        for record in records {
            let tp = record.topicPartition
            nextOffsets[tp] = max(nextOffsets[tp] ?? 0, record.offset.addingReportingOverflow(1).partialValue)
        }
        recorder.reset()
        var outcome = DeliveryOutcome()
        switch endpoint.listener {
        case .batch(let handler): await runBatch(records, handler, &outcome)
        default:
            if let handler = endpoint.listener.recordHandler { await runRecords(records, handler, &outcome) }
        }
        outcome.containerCalls = recorder.calls
        if endpoint.ackMode.isManual { outcome.processed.append(contentsOf: outcome.acknowledged) }
        var seen: Set<RecordPosition> = []
        outcome.processed = outcome.processed.filter { seen.insert($0).inserted }
        return outcome
    }

    /// Delivers a value encoded with its `KafkaPayload` format, without a key, as the next record of
    /// `topic` (default: ``defaultTopic``) and `partition`.
    ///
    /// - Throws: what encoding the value throws.
    @discardableResult
    public func deliver<Value: KafkaPayload>(
        _ value: Value, headers: [RecordHeader] = [], topic: String? = nil, partition: Int32 = 0
    ) async throws -> DeliveryOutcome {
        try await deliver(
            record(key: nil, value: try value.encode(), headers: headers, topic: topic, partition: partition))
    }

    /// Delivers a value and a key, each encoded with its `KafkaPayload` format, as the next record of
    /// `topic` (default: ``defaultTopic``) and `partition`.
    ///
    /// - Throws: what encoding the key or the value throws.
    @discardableResult
    public func deliver<Key: KafkaPayload, Value: KafkaPayload>(
        _ value: Value, key: Key, headers: [RecordHeader] = [], topic: String? = nil, partition: Int32 = 0
    ) async throws -> DeliveryOutcome {
        try await deliver(
            record(
                key: try key.encode(), value: try value.encode(), headers: headers, topic: topic, partition: partition))
    }

    /// Delivers raw bytes (`nil`: a tombstone) as the next record of `topic` (default: ``defaultTopic``) and
    /// `partition` — for payloads the listener's type cannot decode.
    @discardableResult
    public func deliver(
        rawValue: [UInt8]?, key: [UInt8]? = nil, headers: [RecordHeader] = [], topic: String? = nil,
        partition: Int32 = 0
    ) async throws -> DeliveryOutcome {
        try await deliver(record(key: key, value: rawValue, headers: headers, topic: topic, partition: partition))
    }

    /// A record at the next offset of the partition (0 first, then one past the highest delivered).
    private func record(
        key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader], topic: String?, partition: Int32
    ) -> ConsumerRecord {
        let tp = TopicPartition(topic ?? defaultTopic, partition)
        return ConsumerRecord.test(
            topic: tp.topic, partition: partition, offset: nextOffsets[tp] ?? 0, key: key, value: value,
            headers: headers)
    }
}
