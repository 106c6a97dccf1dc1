import Foundation
import Testing

/// A file in the temporary directory, for `--command-config`.
struct TemporaryFile {
    /// Its path.
    let path: String

    /// Writes `bytes` to a new file.
    init(_ bytes: [UInt8], name: String = "client") throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).properties")
            .path
        let created = FileManager.default.createFile(
            atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
        try #require(created, "cannot write \(path)")
    }

    /// Writes `text` as UTF-8.
    init(_ text: String, name: String = "client") throws { try self.init(Array(text.utf8), name: name) }

    /// Deletes the file.
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
