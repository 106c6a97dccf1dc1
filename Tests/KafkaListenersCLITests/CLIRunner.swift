import Foundation
import KafkaListenersTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let kafka = TestKafka.shared

/// What one finished run of the built `kafka-listeners` printed and how it exited.
struct CLIResult: CustomStringConvertible {
    var exitCode: Int32
    var stdout: String
    var stderr: String

    /// stdout's non-empty lines.
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// stdout parsed as one JSON document.
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }

    var description: String { "exit \(exitCode)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// Runs the `kafka-listeners` executable built beside the test bundle, as a child process.
enum CLI {
    /// The executable's path.
    static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "kafka-listeners"
        ).path
    }

    /// Starts the command without waiting for it (for long-running commands).
    static func start(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:]
    ) async throws -> ChildProcess {
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "build the kafka-listeners executable first (swift build)")
        var env = ProcessInfo.processInfo.environment
        env["KAFKA_BOOTSTRAP_SERVERS"] = nil
        env.merge(environment) { $1 }
        return try ChildProcess(executable: path, arguments: arguments, environment: env, standardInput: input)
    }

    /// Runs the command to its end (within `timeout`) and returns its output and exit code.
    static func run(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> CLIResult {
        let child = try await start(arguments, input: input, environment: environment)
        try await waitUntil(
            "kafka-listeners \(arguments.joined(separator: " ")) finishes", timeout: timeout,
            observed: { "stdout: \(child.text)\nstderr: \(child.errorText)" }
        ) { child.isFinished }
        return CLIResult(exitCode: child.exitCode ?? -1, stdout: child.text, stderr: child.errorText)
    }

    /// `--bootstrap-servers` for the shared test cluster.
    static var cluster: [String] { ["--bootstrap-servers", kafka.bootstrapServers] }
}

/// A loopback TCP port that was free a moment ago.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    try #require(ok, "cannot find a free port")
    return Int(UInt16(bigEndian: address.sin_port))
}
