import Foundation
import KafkaListeners
import Testing

/// A fresh control-plane key, written to a file only its owner may read, for `--control-key-file`.
struct ControlKeyFile {
    /// The key.
    let key: ControlPlaneKey
    /// The file holding it (`ID:BASE64`).
    let path: String

    /// Writes a new key to a new file in the temporary directory.
    static func make() throws -> ControlKeyFile {
        let key = ControlPlaneKey.generate()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("control-key-\(UUID().uuidString)")
            .path
        let created = FileManager.default.createFile(
            atPath: path, contents: Data((key.exportedLine() + "\n").utf8), attributes: [.posixPermissions: 0o600])
        try #require(created, "cannot write \(path)")
        return ControlKeyFile(key: key, path: path)
    }

    /// What planes and clients of this key use.
    var security: ControlPlaneSecurity { .signed(key) }

    /// Deletes the file.
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
