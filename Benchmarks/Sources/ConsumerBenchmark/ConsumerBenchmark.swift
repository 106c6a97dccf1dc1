import Crdkafka
import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging
import Synchronization

/// Consumer throughput and allocations: raw librdkafka (C API) against `KafkaConsumer`, in one run on
/// EmbeddedKafka. See Benchmarks/README.md.
@main
struct ConsumerBenchmark {
    static let topic = "bench-consumer"
    static let keySize = 8
    static let valueSize = 100
    static let runDeadline = Duration.seconds(300)

    static func main() async {
        if CommandLine.arguments.dropFirst().first == BrokerServer.flag {
            exit(await BrokerServer.serve(Array(CommandLine.arguments.dropFirst())))
        }
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("ConsumerBenchmark failed: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() async throws {
        let counting = AllocationCounter.ensureInterposed()
        let options = try Options.parse()
        progress(
            "ConsumerBenchmark: \(grouped(options.records)) records, \(options.partitions) partitions, batch \(options.batch), "
                + "\(options.rounds) rounds, swift mode \(options.mode.rawValue), broker \(options.brokerModes.map(\.rawValue).joined(separator: " and ")), "
                + "allocation counting \(counting ? "on" : "UNAVAILABLE")")

        var brokers: [BenchBroker] = []
        do {
            for mode in options.brokerModes {
                brokers.append(try await BenchBroker.start(mode, topic: topic, partitions: options.partitions))
            }
            try await measure(brokers: brokers, options: options, counting: counting)
        } catch {
            for broker in brokers { await broker.stop() }
            throw error
        }
        for broker in brokers { await broker.stop() }
    }

    /// What was produced onto one broker before the runs.
    struct Prepared {
        var produced: Duration
        var perPartition: [Int]
    }

    /// Produces the records onto `broker` and checks with watermark offsets that all are there.
    static func prepare(_ broker: BenchBroker, options: Options) async throws -> Prepared {
        let produced = try await produce(bootstrapServers: broker.bootstrapServers, records: options.records)
        let bootstrap = broker.bootstrapServers
        let partitions = options.partitions
        let marks = try await runBlocking("bench-watermarks") {
            try RawConsumer.watermarks(bootstrapServers: bootstrap, topic: topic, partitions: partitions)
        }
        let onBroker = marks.reduce(0) { $0 + Int($1.high - $1.low) }
        let trimmed = marks.enumerated().filter { $0.element.low != 0 }
        guard trimmed.isEmpty, onBroker == options.records else {
            throw BenchmarkError(
                "the \(broker.mode.rawValue) broker holds \(onBroker) of \(options.records) records (partitions with a low watermark above 0: "
                    + "\(trimmed.map { "\($0.offset)@\($0.element.low)" }.joined(separator: ", "))). The mock cluster keeps "
                    + "about 5 MiB per partition and drops older data: use more partitions or fewer records.")
        }
        let perPartition = marks.map { Int($0.high) }
        progress(
            "\(broker.mode.rawValue) broker watermarks: \(grouped(onBroker)) records, "
                + "\(perPartition.min() ?? 0)…\(perPartition.max() ?? 0) per partition")
        return Prepared(produced: produced, perPartition: perPartition)
    }

    static func measure(brokers: [BenchBroker], options: Options, counting: Bool) async throws {
        // 1. Produce, then check every record is on the broker before anything is timed.
        var prepared: [BrokerMode: Prepared] = [:]
        for broker in brokers { prepared[broker.mode] = try await prepare(broker, options: options) }

        // 2. Alternate the sides round by round, each run with a fresh consumer and a fresh group. With two
        //    brokers every round runs on both, the in-process one first in odd rounds and last in even ones.
        var rows: [Row] = []
        var endpointDefaults: DefaultEndpointSettings?
        let records = options.records
        let batch = options.batch
        let partitions = options.partitions
        for round in 1...options.rounds {
            for broker in round % 2 == 1 ? brokers : brokers.reversed() {
                let bootstrap = broker.bootstrapServers
                for (index, side) in options.sides.enumerated() {
                    let settings = options.consumerSettings(
                        groupId: "bench-\(broker.mode.rawValue)-\(round)-\(index)-\(side.hashValue.magnitude)",
                        side: side)
                    let run: Measurement
                    switch side {
                    case .raw, .rawSyncCommits:
                        let fullFields = side != .raw(fullFields: false)
                        let syncCommits = side == .rawSyncCommits
                        run = try await runBlocking("bench-raw-consumer") {
                            let memory = PeakMemory.start()
                            var run = try RawConsumer.consume(
                                bootstrapServers: bootstrap, settings: settings, topic: topic, partitions: partitions,
                                records: records, batch: batch, deadline: runDeadline, fullFields: fullFields,
                                syncCommits: syncCommits)
                            run.peakRSSGrowth = memory.growth()
                            run.peakHeapGrowth = memory.heapGrowth()
                            return run
                        }
                    case .consumer:
                        let memory = PeakMemory.start()
                        var measured = try await SwiftConsumer.consume(
                            bootstrapServers: bootstrap, settings: settings, topic: topic, partitions: partitions,
                            records: records,
                            batch: batch, deadline: runDeadline, mode: options.mode)
                        measured.peakRSSGrowth = memory.growth()
                        measured.peakHeapGrowth = memory.heapGrowth()
                        run = measured
                    case .listener(let kind):
                        run = try await ListenerRuns.consume(
                            bootstrapServers: bootstrap, settings: settings, topic: topic, partitions: partitions,
                            records: records,
                            batch: batch, side: kind)
                    case .defaultListener(let kind):
                        let (measured, effective) = try await ListenerRuns.consumeWithDefaults(
                            bootstrapServers: bootstrap, settings: settings, topic: topic, partitions: partitions,
                            records: records,
                            kind: kind)
                        endpointDefaults = endpointDefaults ?? effective
                        run = measured
                    }
                    let spent = run.cpu
                    try check(run, options: options, side: side.name)
                    rows.append(Row(round: round, broker: broker.mode, side: side, measurement: run))
                    let place = brokers.count > 1 ? " [\(broker.mode.rawValue)]" : ""
                    progress(
                        "round \(round)\(place) \(side.name): \(grouped(Int(run.steadyRecordsPerSecond))) steady records/s, "
                            + "\(fixed(run.mallocsPerRecord, 2)) mallocs/record")
                    progress(
                        "  first record after \(fixed(run.firstRecord.inSeconds * 1000, 0)) ms, longest gap between batches "
                            + "\(fixed(run.longestGap.inSeconds * 1000, 0)) ms"
                            + (run.fetchRestarts.map { ", \($0) fetcher wake-ups" } ?? ""))
                    progress(
                        "  CPU seconds by thread: "
                            + spent.map { "\($0.group) \(fixed($0.seconds, 2))" }.joined(separator: ", "))
                }
            }
        }

        // 3. Report.
        if options.sides.contains(where: \.isDefaultListener) {
            print(
                DefaultsReport(
                    options: options, brokers: brokers.map(\.mode), prepared: prepared, counting: counting, rows: rows,
                    endpoint: endpointDefaults
                ).markdown)
        } else {
            for broker in brokers {
                guard let data = prepared[broker.mode] else { continue }
                print(
                    Report(
                        options: options, broker: broker.mode, produced: data.produced, perPartition: data.perPartition,
                        counting: counting,
                        rows: rows.filter { $0.broker == broker.mode }.map { ($0.round, $0.side.name, $0.measurement) }
                    ).markdown)
                if broker !== brokers.last { print("") }
            }
        }
    }

    /// Produces `records` keyed records with `sendAndForget`, then flushes.
    static func produce(bootstrapServers: String, records: Int) async throws -> Duration {
        var logger = Logger(label: "bench.producer")
        logger.logLevel = .warning
        let failures = FailureCount()
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: bootstrapServers).merging(
                KafkaConfiguration([
                    "linger.ms": "5",
                    "batch.num.messages": "10000",
                    "queue.buffering.max.messages": "1000000",
                    "queue.buffering.max.kbytes": "1048576",
                ])),
            logger: logger,
            onDeliveryFailure: { _ in failures.value.add(1, ordering: .relaxed) })
        let value = [UInt8](repeating: 0x61, count: valueSize)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            for index in 0..<records {
                let key = withUnsafeBytes(of: UInt64(index).bigEndian) { [UInt8]($0) }
                try await producer.sendAndForget(ProducerRecord(topic: topic, key: key, value: value))
            }
            try await producer.flush(timeout: .seconds(300))
        } catch {
            await producer.close()
            throw error
        }
        let elapsed = clock.now - start
        await producer.close()
        let failed = failures.value.load(ordering: .relaxed)
        if failed > 0 { throw BenchmarkError("\(failed) of \(records) records failed delivery") }
        progress("produced \(grouped(records)) records in \(fixed(elapsed.inSeconds, 2)) s")
        return elapsed
    }

    /// A run must have read exactly the produced records, keys and values intact in size.
    static func check(_ run: Measurement, options: Options, side: String) throws {
        guard run.records == options.records, run.keyBytes == options.records * keySize,
            run.valueBytes == options.records * valueSize, run.consumeErrors == 0
        else {
            throw BenchmarkError(
                "\(side) run read \(run.records) records (\(run.keyBytes) key bytes, \(run.valueBytes) value bytes, "
                    + "\(run.consumeErrors) consume errors); expected \(options.records) × (\(keySize) + \(valueSize)) bytes"
            )
        }
    }

    static func progress(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

final class FailureCount: Sendable {
    let value = Atomic<Int>(0)
}

/// One measured run.
struct Row {
    var round: Int
    var broker: BrokerMode
    var side: Side
    var measurement: Measurement
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Command-line arguments and environment variables.
struct Options: Sendable {
    var records = 1_000_000
    var rounds = 3
    var batch = 1000
    var partitions: Int32 = 32
    var mode = SwiftMode.sessionPerBatch
    /// Which sides run each round.
    var sides: [Side] = Side.all
    /// `framework` (the default): the raw loops lift librdkafka's local-queue limits (their fastest: no
    /// stall on `queued.min.messages`, everything prefetched), KafkaConsumer and the listener containers
    /// run with the containers' bounded defaults and their fetcher wake-up. `large` lifts the limits for
    /// every side; `default` keeps librdkafka's defaults everywhere.
    var queueLimits = "framework"
    /// `--broker`; nil: `both` for the `defaults` side set, `in-process` for the others.
    var broker: [BrokerMode]?

    /// The brokers the sides run against.
    var brokerModes: [BrokerMode] {
        broker ?? (sides.contains(where: \.isDefaultListener) ? BrokerMode.allCases : [.inProcess])
    }

    static let usage = """
        usage: ConsumerBenchmark [RECORDS] [--records N] [--rounds N] [--batch N] [--partitions N]
                                 [--mode session-per-batch|one-session] [--queue framework|large|default]
                                 [--broker in-process|standalone|both]
                                 [--sides defaults|client|listeners|all|record-async|record-sync|batch-async|batch-sync|sync-commits|ack-record|sync-listener|
                                          record-async-only|record-listeners-only|consumer-only|raw-only|raw-sync-only]
        environment: BENCH_RECORDS, BENCH_ROUNDS, BENCH_BATCH, BENCH_PARTITIONS, BENCH_SWIFT_MODE, BENCH_QUEUE, BENCH_SIDES,
                     BENCH_BROKER
        --broker defaults to both with --sides defaults, to in-process otherwise.
        """

    static func parse() throws -> Options {
        var options = Options()
        let environment = ProcessInfo.processInfo.environment
        func number(_ text: String, _ name: String) throws -> Int {
            guard let value = Int(text.filter { $0 != "_" && $0 != "," }), value > 0 else {
                throw BenchmarkError("\(name) must be a positive integer, got '\(text)'\n\(usage)")
            }
            return value
        }
        func apply(_ name: String, _ value: String) throws {
            switch name {
            case "records": options.records = try number(value, name)
            case "rounds": options.rounds = try number(value, name)
            case "batch": options.batch = try number(value, name)
            case "partitions": options.partitions = Int32(clamping: try number(value, name))
            case "mode":
                guard let mode = SwiftMode(rawValue: value) else {
                    throw BenchmarkError("unknown mode '\(value)'\n\(usage)")
                }
                options.mode = mode
            case "sides":
                switch value {
                case "defaults": options.sides = Side.defaults
                case "client": options.sides = Side.client
                case "listeners": options.sides = Side.listeners
                case "all": options.sides = Side.all
                case "record-async": options.sides = [.raw(fullFields: true), .listener(.recordBatchAckAsync)]
                case "record-async-only": options.sides = [.listener(.recordBatchAckAsync)]
                case "record-listeners-only":
                    options.sides = [.listener(.recordBatchAck), .listener(.recordBatchAckAsync)]
                case "consumer-only": options.sides = [.consumer]
                case "raw-only": options.sides = [.raw(fullFields: false)]
                case "raw-sync-only": options.sides = [.rawSyncCommits]
                case "record-sync":
                    options.sides = [.raw(fullFields: true), .rawSyncCommits, .listener(.recordBatchAck)]
                case "batch-async": options.sides = [.raw(fullFields: true), .listener(.batchAsync)]
                case "batch-sync": options.sides = [.raw(fullFields: true), .rawSyncCommits, .listener(.batch)]
                case "sync-commits":
                    options.sides = [
                        .raw(fullFields: true), .rawSyncCommits, .listener(.recordBatchAck), .listener(.batch),
                    ]
                case "ack-record": options.sides = [.raw(fullFields: true), .listener(.recordAckRecord)]
                case "sync-listener": options.sides = [.raw(fullFields: true), .listener(.syncRecordBatchAckAsync)]
                default: throw BenchmarkError("unknown sides '\(value)'\n\(usage)")
                }
            case "broker":
                switch value {
                case "both": options.broker = BrokerMode.allCases
                default:
                    guard let mode = BrokerMode(rawValue: value) else {
                        throw BenchmarkError("unknown broker '\(value)'\n\(usage)")
                    }
                    options.broker = [mode]
                }
            case "queue":
                guard ["framework", "large", "default"].contains(value) else {
                    throw BenchmarkError("unknown queue '\(value)'\n\(usage)")
                }
                options.queueLimits = value
            default: throw BenchmarkError("unknown option --\(name)\n\(usage)")
            }
        }
        for (variable, name) in [
            ("BENCH_RECORDS", "records"), ("BENCH_ROUNDS", "rounds"), ("BENCH_BATCH", "batch"),
            ("BENCH_PARTITIONS", "partitions"), ("BENCH_SWIFT_MODE", "mode"), ("BENCH_QUEUE", "queue"),
            ("BENCH_SIDES", "sides"),
            ("BENCH_BROKER", "broker"),
        ] {
            if let value = environment[variable], !value.isEmpty { try apply(name, value) }
        }
        var arguments = CommandLine.arguments.dropFirst()[...]
        while let argument = arguments.popFirst() {
            if argument == "-h" || argument == "--help" {
                print(usage)
                exit(0)
            } else if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    try apply(String(body[..<equals]), String(body[body.index(after: equals)...]))
                } else if let value = arguments.popFirst() {
                    try apply(String(body), value)
                } else {
                    throw BenchmarkError("--\(body) needs a value\n\(usage)")
                }
            } else {
                try apply("records", argument)
            }
        }
        return options
    }

    /// The consumer settings of one side's run (besides `bootstrap.servers`).
    /// A side with default settings gets only its group id (and `BENCH_CONSUMER_PROPS`).
    func consumerSettings(groupId: String, side: Side) -> [(String, String)] {
        if side.isDefaultListener { return Self.overlay(extraSettings, on: [("group.id", groupId)]) }
        return Self.overlay(
            extraSettings, on: [("group.id", groupId)] + sharedConsumerSettings + queueSettings(for: side))
    }

    /// `BENCH_CONSUMER_PROPS="key=value,key=value"`: settings laid over every side's.
    var extraSettings: [(String, String)] {
        guard let extra = ProcessInfo.processInfo.environment["BENCH_CONSUMER_PROPS"] else { return [] }
        // "key=value,key=value"; a part without "=" continues the previous value ("debug=cgrp,fetch").
        var settings: [(String, String)] = []
        for part in extra.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            if pieces.count == 2 {
                settings.append((pieces[0], pieces[1]))
            } else if let last = settings.popLast() {
                settings.append((last.0, last.1 + "," + part))
            }
        }
        return settings
    }

    static func overlay(_ extra: [(String, String)], on settings: [(String, String)]) -> [(String, String)] {
        var settings = settings
        for (key, value) in extra {
            settings.removeAll { $0.0 == key }
            settings.append((key, value))
        }
        return settings
    }

    /// Lifted limits: librdkafka prefetches everything and never stalls on its local queue.
    static let liftedQueue = [("queued.min.messages", "10000000"), ("queued.max.messages.kbytes", "2097151")]
    /// The listener containers' defaults (given to KafkaConsumer explicitly; containers apply them themselves).
    static let frameworkQueue = [
        ("queued.min.messages", "\(ConcurrentContainer.defaultQueuedMinMessages)"),
        ("queued.max.messages.kbytes", "\(ConcurrentContainer.defaultQueuedMaxKilobytes)"),
    ]

    /// The local-queue settings of `side` under `queueLimits`.
    func queueSettings(for side: Side) -> [(String, String)] {
        switch (queueLimits, side) {
        case ("large", _), ("framework", .raw), ("framework", .rawSyncCommits): Self.liftedQueue
        case ("framework", .consumer): Self.frameworkQueue
        default: []
        }
    }

    /// The settings shown in the report (the group id differs per run and is left out).
    var sharedConsumerSettings: [(String, String)] {
        let settings = [
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("enable.partition.eof", "false"),
        ]
        return Self.overlay(extraSettings, on: settings)
    }
}

/// One measured side.
enum Side: Hashable, Sendable {
    /// Raw librdkafka; `fullFields` also reads each record's timestamp and headers.
    case raw(fullFields: Bool)
    /// Raw librdkafka reading all fields that also commits each batch synchronously (`rd_kafka_commit` of the
    /// batch's next offsets, waiting for the answer) before the next: the hand-written loop with the
    /// guarantee a sync-commit listener gives (a crash re-delivers at most the batch in hand).
    case rawSyncCommits
    /// `KafkaConsumer` from KafkaClient.
    case consumer
    /// A listener container from KafkaListeners.
    case listener(ListenerSide)
    /// A listener container whose endpoint has only the required arguments: every other setting is the
    /// library's default.
    case defaultListener(DefaultListenerKind)

    static let client: [Side] = [.raw(fullFields: false), .raw(fullFields: true), .consumer]
    static let listeners: [Side] =
        [.raw(fullFields: false), .raw(fullFields: true), .rawSyncCommits] + ListenerSide.allCases.map { .listener($0) }
    static let all: [Side] = client + [.rawSyncCommits] + ListenerSide.allCases.map { .listener($0) }
    /// The listeners with default settings against the raw loops that commit nothing, in the order each round runs them.
    static let defaults: [Side] = [
        .raw(fullFields: true), .defaultListener(.record), .defaultListener(.awaitingRecord), .defaultListener(.batch),
        .raw(fullFields: false),
    ]

    var isDefaultListener: Bool {
        if case .defaultListener = self { true } else { false }
    }

    var name: String {
        switch self {
        case .raw(false): "raw librdkafka (key, value)"
        case .raw(true): "raw librdkafka (all fields)"
        case .rawSyncCommits: "raw librdkafka (all fields, sync commit per batch)"
        case .consumer: "KafkaConsumer"
        case .listener(let kind): kind.rawValue
        case .defaultListener(.record): "record listener, default settings"
        case .defaultListener(.awaitingRecord): "record listener that awaits, default settings"
        case .defaultListener(.batch): "batch listener, default settings"
        }
    }
}
