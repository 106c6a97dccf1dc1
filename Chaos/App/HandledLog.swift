import ChaosKit
import Foundation

/// The shared handled-records log, opened with `O_APPEND`: each line is one `write(2)`, so lines of several
/// processes never interleave and a SIGKILL loses nothing written.
final class HandledLog: Sendable {
    private let descriptor: Int32

    /// Opens (creating if needed) the log at `path`.
    init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw AppFailure("cannot open the log '\(path)': errno \(errno)") }
        self.descriptor = descriptor
    }

    /// Appends one line with a single write.
    func append(_ line: ChaosLogLine) {
        let bytes = Array(line.text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count {
            FileHandle.standardError.write(Data("chaos-app: a log write was cut short (\(written))\n".utf8))
        }
    }
}
