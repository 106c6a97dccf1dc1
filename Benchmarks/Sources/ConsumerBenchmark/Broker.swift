import Foundation
import KafkaClient
import KafkaListenersTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the broker the sides consume from runs.
enum BrokerMode: String, Sendable, CaseIterable {
    /// EmbeddedKafka in this process: the mock broker's threads share the process (and its CPU and allocation
    /// figures) with the consumers; clients still reach it over loopback TCP.
    case inProcess = "in-process"
    /// EmbeddedKafka in a second process (this benchmark re-executed with `--serve-broker`), reached over
    /// loopback TCP, as users run `kafka-listeners embedded`.
    case standalone

    /// How the report describes it.
    var description: String {
        switch self {
        case .inProcess: "EmbeddedKafka with 1 broker in this process (reached over loopback TCP)"
        case .standalone:
            "EmbeddedKafka with 1 broker in a separate process (this benchmark re-executed with `--serve-broker`), reached over loopback TCP"
        }
    }
}

/// A broker holding the benchmark's topic: EmbeddedKafka in this process, or in a child process.
final class BenchBroker: Sendable {
    let mode: BrokerMode
    let bootstrapServers: String
    private let cluster: EmbeddedKafka?
    private let child: ChildProcess?

    private init(mode: BrokerMode, bootstrapServers: String, cluster: EmbeddedKafka?, child: ChildProcess?) {
        self.mode = mode
        self.bootstrapServers = bootstrapServers
        self.cluster = cluster
        self.child = child
    }

    /// Starts a one-broker EmbeddedKafka with `topic` created (stopped again if the topic cannot be created).
    static func startCluster(topic: String, partitions: Int32) async throws -> EmbeddedKafka {
        let cluster = try await EmbeddedKafka.start(brokers: 1)
        do {
            try cluster.createTopic(topic, partitions: partitions)
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    /// Starts a broker of `mode` with `topic` created with `partitions` partitions.
    static func start(_ mode: BrokerMode, topic: String, partitions: Int32) async throws -> BenchBroker {
        switch mode {
        case .inProcess:
            let cluster = try await startCluster(topic: topic, partitions: partitions)
            return BenchBroker(mode: mode, bootstrapServers: cluster.bootstrapServers, cluster: cluster, child: nil)
        case .standalone:
            return try await startStandalone(topic: topic, partitions: partitions)
        }
    }

    /// Re-executes this benchmark with `--serve-broker` and reads the child's bootstrap line (with a deadline).
    private static func startStandalone(topic: String, partitions: Int32) async throws -> BenchBroker {
        let executable = try BrokerServer.executablePath()
        let child = try ChildProcess(
            executable: executable,
            arguments: [BrokerServer.flag, "--topic", topic, "--partitions", "\(partitions)"],
            environment: BrokerServer.childEnvironment())
        do {
            try await waitUntil(
                "the standalone broker (pid \(child.pid)) to print its bootstrap servers", timeout: .seconds(60),
                observed: {
                    "exit code \(child.exitCode.map(String.init) ?? "none"), stdout '\(child.text)', stderr '\(child.errorText)'"
                }
            ) {
                BrokerServer.bootstrapServers(in: child.text) != nil || child.exitCode != nil
            }
            guard let bootstrap = BrokerServer.bootstrapServers(in: child.text) else {
                throw BenchmarkError(
                    "the standalone broker exited with \(child.exitCode.map(String.init) ?? "?") before it was ready: \(child.errorText)"
                )
            }
            ConsumerBenchmark.progress("standalone broker: pid \(child.pid), bootstrap.servers=\(bootstrap)")
            return BenchBroker(mode: .standalone, bootstrapServers: bootstrap, cluster: nil, child: child)
        } catch {
            await stop(child)
            throw error
        }
    }

    /// Stops the broker: the in-process cluster is destroyed, the child gets SIGTERM (SIGKILL if it outlives 10 s).
    func stop() async {
        if let cluster { await cluster.stop() }
        if let child { await Self.stop(child) }
    }

    private static func stop(_ child: ChildProcess) async {
        guard child.exitCode == nil else { return }
        child.send(SIGTERM)
        do {
            try await waitUntil("the standalone broker (pid \(child.pid)) to exit after SIGTERM", timeout: .seconds(10))
            {
                child.exitCode != nil
            }
        } catch {
            ConsumerBenchmark.progress("\(error); sending SIGKILL")
            child.send(SIGKILL)
            try? await waitUntil(
                "the standalone broker (pid \(child.pid)) to exit after SIGKILL", timeout: .seconds(10)
            ) {
                child.exitCode != nil
            }
        }
    }
}

/// The child side of the standalone broker: `ConsumerBenchmark --serve-broker --topic NAME --partitions N`.
///
/// Starts EmbeddedKafka with one broker, creates the topic (the mock cluster has no CreateTopics, so the
/// parent cannot create it over the socket), prints `bootstrap.servers=<list>` on stdout and serves until it
/// gets SIGTERM or its parent process is gone.
enum BrokerServer {
    static let flag = "--serve-broker"
    static let linePrefix = "bootstrap.servers="

    /// Runs the broker; returns the process's exit code.
    static func serve(_ arguments: [String]) async -> Int32 {
        let parent = getppid()
        var topic = ConsumerBenchmark.topic
        var partitions: Int32 = 32
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case flag: continue
            case "--topic":
                guard let value = rest.popFirst(), !value.isEmpty else { return fail("--topic needs a name") }
                topic = value
            case "--partitions":
                guard let value = rest.popFirst(), let count = Int32(value), count >= 1 else {
                    return fail("--partitions needs a positive integer")
                }
                partitions = count
            default: return fail("unknown argument '\(argument)'")
            }
        }
        do {
            let cluster = try await BenchBroker.startCluster(topic: topic, partitions: partitions)
            FileHandle.standardOutput.write(Data("\(linePrefix)\(cluster.bootstrapServers)\n".utf8))
            // SIGTERM ends the process (default disposition). A parent that died without sending it shows up as a
            // new parent process id; the check runs on a thread of its own, never on Swift's pool.
            _ = try await runBlocking("bench-broker-serve") {
                while getppid() == parent { usleep(100_000) }
            }
            await cluster.stop()
            return 0
        } catch {
            return fail("\(error)")
        }
    }

    private static func fail(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("ConsumerBenchmark \(flag): \(message)\n".utf8))
        return 2
    }

    /// The bootstrap servers from the child's first complete `bootstrap.servers=` line, if printed yet.
    static func bootstrapServers(in output: String) -> String? {
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) where line.hasPrefix(linePrefix) {
            // Only a complete line counts: the output must continue past it with a newline.
            guard output.contains(line + "\n") else { return nil }
            let value = line.dropFirst(linePrefix.count)
            return value.isEmpty ? nil : String(value)
        }
        return nil
    }

    /// This executable's absolute path (`/proc/self/exe` on Linux).
    static func executablePath() throws -> String {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        #endif
        let first = CommandLine.arguments.first ?? ""
        if first.hasPrefix("/") { return first }
        let absolute = FileManager.default.currentDirectoryPath + "/" + first
        guard FileManager.default.isExecutableFile(atPath: absolute) else {
            throw BenchmarkError(
                "cannot find this benchmark's executable to start the standalone broker (argv[0] '\(first)')")
        }
        return absolute
    }

    /// The parent's environment without the malloc interposer (the broker process runs as users run it).
    static func childEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["CONSUMER_BENCHMARK_PRELOADED"] = nil
        for variable in ["LD_PRELOAD", "DYLD_INSERT_LIBRARIES"] {
            guard let value = environment[variable] else { continue }
            let kept = value.split(separator: ":").filter { !$0.contains("MallocInterposer") }
            environment[variable] = kept.isEmpty ? nil : kept.joined(separator: ":")
        }
        return environment
    }
}
