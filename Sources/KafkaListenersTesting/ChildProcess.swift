import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, its stdout read by blocking `read()` on a thread of its own
/// and its exit collected by `waitpid()` on another — no dispatch sources (Foundation's `Process` and
/// `FileHandle.readabilityHandler` use them, and a race between them crashed libdispatch's event loop).
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let state = State()

    /// What the reader and waiter threads record.
    private final class State: Sendable {
        let output = Mutex<String>("")
        let exit = Mutex<Int32?>(nil)
    }

    /// Starts `executable` (an absolute path) with `arguments` and exactly `environment`.
    ///
    /// - Throws: `POSIXError` when the pipe or the spawn fails.
    public init(executable: String, arguments: [String], environment: [String: String]) throws {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw POSIXError(.EIO) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, envp)
        close(pipe[1])
        guard result == 0 else {
            close(pipe[0])
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO)
        }
        pid = child
        let spawned = child
        let readEnd = pipe[0]
        let state = self.state
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                state.output.withLock { $0 += String(decoding: buffer[0..<count], as: UTF8.self) }
            }
            close(readEnd)
        }
        reader.start()
        let waiter = Thread {
            var status: Int32 = 0
            while waitpid(spawned, &status, 0) == -1 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS: low 7 bits 0 means a normal exit, the code is in the next byte.
            state.exit.withLock { $0 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -(status & 0x7f) }
        }
        waiter.start()
    }

    /// Everything the child wrote to stdout so far.
    public var text: String { state.output.withLock { $0 } }

    /// The exit code once the child exited (negative: killed by that signal).
    public var exitCode: Int32? { state.exit.withLock { $0 } }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) { kill(pid, signal) }
}
