import Foundation
import KafkaListenersTesting

/// Waits, checking every `every`, until `condition` holds or `seconds` passed; returns whether it held.
func waitFor(
    seconds: Double, every: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: every)
    }
    return try await condition()
}

/// A failure of the driver itself (not an invariant), with a sentence saying what it saw.
struct DriverFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The chaos broker process and its control file.
final class BrokerProcess: Sendable {
    let process: ChildProcess
    let bootstrapServers: String
    private let controlPath: String

    /// Starts the broker and waits for its `bootstrap.servers=` line.
    init(executable: String, brokers: Int, topic: String, partitions: Int32, directory: String) async throws {
        controlPath = directory + "/broker-control"
        guard FileManager.default.createFile(atPath: controlPath, contents: nil) else {
            throw DriverFailure("cannot create the broker's control file \(controlPath)")
        }
        process = try ChildProcess(
            executable: executable,
            arguments: ["--brokers", String(brokers), "--topic", "\(topic):\(partitions)", "--control", controlPath],
            environment: ProcessInfo.processInfo.environment)
        let process = process
        let ready = await waitFor(seconds: 60) { process.text.contains("\n") || process.exitCode != nil }
        guard ready, let line = process.text.split(separator: "\n").first, line.hasPrefix("bootstrap.servers=") else {
            process.send(SIGKILL)
            throw DriverFailure("the chaos broker did not start: \(process.text) \(process.errorText)")
        }
        bootstrapServers = String(line.dropFirst("bootstrap.servers=".count))
    }

    /// Appends a control line (`down 2`, `up 2`, `quit`) and waits until the broker applied it.
    func control(_ line: String) async throws {
        guard let handle = FileHandle(forWritingAtPath: controlPath) else {
            throw DriverFailure("cannot open the broker's control file")
        }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line + "\n").utf8))
        try handle.close()
        if line == "quit" { return }
        let process = process
        guard await waitFor(seconds: 10, { process.text.contains("applied \(line)\n") }) else {
            throw DriverFailure("the chaos broker did not apply '\(line)': \(process.text)")
        }
    }

    /// Stops the broker (quit, then SIGKILL after 30 s).
    func stop() async {
        try? await control("quit")
        let process = process
        if await !waitFor(seconds: 30, { process.exitCode != nil }) { process.send(SIGKILL) }
    }
}
