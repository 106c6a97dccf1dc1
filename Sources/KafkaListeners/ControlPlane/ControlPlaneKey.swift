import Crypto
import Foundation

/// A shared secret that signs and verifies control-plane commands and replies (HMAC-SHA256).
///
/// The secret never appears in a description, a mirror, a log line or an error: `"\(key)"` prints only the key id.
/// Keys are not `Equatable`, so they are never compared outside the constant-time signature check.
///
/// Text form (a key file or an environment variable, see ``parseList(_:source:)``): one key per line (or separated
/// by commas), each `ID:BASE64` or just `BASE64`, where the base64 text decodes to at least 32 bytes. Generate one with
/// `openssl rand -base64 32`.
public struct ControlPlaneKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key id carried in each envelope's `kid`, so a verifier picks the right key during a rotation. Not secret.
    public let id: String
    /// The secret bytes (swift-crypto's `SymmetricKey` is not `Sendable`, so the key is made from them when used).
    private let secret: [UInt8]

    /// The secret as a swift-crypto key.
    var symmetricKey: SymmetricKey { SymmetricKey(data: secret) }

    /// The fewest secret bytes a key may have (HMAC-SHA256's output size).
    public static let minimumSecretBytes = 32
    /// The most secret bytes a key may have.
    public static let maximumSecretBytes = 1024
    /// The longest key id.
    public static let maximumIdLength = 64

    /// Creates a key from secret bytes.
    ///
    /// - Parameters:
    ///   - id: the key id (letters, digits, `.`, `_`, `-`, at most ``maximumIdLength`` characters); nil derives one from
    ///     a hash of the secret.
    ///   - secret: at least ``minimumSecretBytes`` random bytes.
    /// - Throws: ``ControlPlaneKeyError`` for a bad id or a secret of the wrong size (the error never contains the secret).
    public init(id: String? = nil, secret: some Collection<UInt8>) throws {
        let bytes = Array(secret)
        guard bytes.count >= Self.minimumSecretBytes, bytes.count <= Self.maximumSecretBytes else {
            throw ControlPlaneKeyError(
                message:
                    "a control-plane key must have \(Self.minimumSecretBytes) to \(Self.maximumSecretBytes) secret bytes, got \(bytes.count)"
            )
        }
        if let id {
            try Self.validate(id: id)
            self.id = id
        } else {
            self.id = Self.derivedId(bytes)
        }
        self.secret = bytes
    }

    /// A new random 256-bit key with an id derived from it (for tests, samples and generating key files).
    public static func generate() -> ControlPlaneKey {
        let bytes = randomSecret()
        return ControlPlaneKey(id: derivedId(bytes), validatedSecret: bytes)
    }

    /// A new random 256-bit key with the given id.
    ///
    /// - Throws: ``ControlPlaneKeyError`` for a bad id.
    public static func generate(id: String) throws -> ControlPlaneKey {
        try validate(id: id)
        return ControlPlaneKey(id: id, validatedSecret: randomSecret())
    }

    private init(id: String, validatedSecret: [UInt8]) {
        self.id = id
        self.secret = validatedSecret
    }

    /// 32 bytes from the system's secure random source (through swift-crypto).
    private static func randomSecret() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// The secret as base64 text, for writing a key file (the only way the secret leaves the type).
    public func exportedBase64() -> String {
        Data(secret).base64EncodedString()
    }

    /// The line a key file holds for this key: `ID:BASE64`.
    public func exportedLine() -> String { "\(id):\(exportedBase64())" }

    /// Parses keys from text: one key per line or comma-separated item, each `ID:BASE64` or `BASE64`; blank lines and
    /// lines starting with `#` are skipped. The first key signs; every key verifies.
    ///
    /// - Parameters:
    ///   - text: the keys, as described above.
    ///   - source: names the text in errors (such as a file path or a variable name); never the secret.
    /// - Throws: ``ControlPlaneKeyError`` naming the source and item number, never the item's text.
    public static func parseList(_ text: String, source: String) throws -> [ControlPlaneKey] {
        var keys: [ControlPlaneKey] = []
        let items = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        for (index, item) in items.enumerated() {
            let number = index + 1
            var id: String?
            var encoded = Substring(item)
            if let colon = item.firstIndex(of: ":") {
                id = String(item[..<colon])
                encoded = item[item.index(after: colon)...]
            }
            guard let secret = Data(base64Encoded: String(encoded)) else {
                throw ControlPlaneKeyError(
                    message: "key \(number) in \(source) is not base64 (expected ID:BASE64 or BASE64)")
            }
            do {
                keys.append(try ControlPlaneKey(id: id, secret: secret))
            } catch let error as ControlPlaneKeyError {
                throw ControlPlaneKeyError(message: "key \(number) in \(source): \(error.message)")
            }
        }
        if keys.isEmpty { throw ControlPlaneKeyError(message: "\(source) holds no control-plane key") }
        if Set(keys.map(\.id)).count != keys.count {
            throw ControlPlaneKeyError(message: "\(source) holds two keys with the same id")
        }
        return keys
    }

    /// Reads keys from a file (see ``parseList(_:source:)``); the file is limited to 64 KiB.
    ///
    /// - Throws: ``ControlPlaneKeyError`` when the file cannot be read or holds no valid key.
    public static func load(contentsOfFile path: String) throws -> [ControlPlaneKey] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ControlPlaneKeyError(message: "cannot read the control-plane key file \(path)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: 65_537) ?? Data()
        } catch {
            throw ControlPlaneKeyError(message: "cannot read the control-plane key file \(path)")
        }
        if data.count > 65_536 {
            throw ControlPlaneKeyError(message: "the control-plane key file \(path) is larger than 64 KiB")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ControlPlaneKeyError(message: "the control-plane key file \(path) is not UTF-8 text")
        }
        return try parseList(text, source: path)
    }

    /// Checks a key id: 1 to ``maximumIdLength`` characters out of letters, digits, `.`, `_` and `-`.
    static func validate(id: String) throws {
        guard isValidId(id) else {
            throw ControlPlaneKeyError(
                message: "a control-plane key id must be 1 to \(maximumIdLength) letters, digits, '.', '_' or '-'")
        }
    }

    /// Whether `id` is a valid key id.
    static func isValidId(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maximumIdLength
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }

    /// A key id derived from the secret: 12 hex digits of a domain-separated SHA-256 (reveals nothing usable).
    private static func derivedId(_ secret: [UInt8]) -> String {
        var hash = SHA256()
        hash.update(data: Array("kafka-listeners control key id\n".utf8))
        hash.update(data: secret)
        return "k-" + hash.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    /// `ControlPlaneKey(id: "…", secret: <redacted>)`.
    public var description: String { "ControlPlaneKey(id: \"\(id)\", secret: <redacted>)" }
    /// Same as ``description``: the secret is never shown.
    public var debugDescription: String { description }
    /// Only the key id, so `dump` and reflection never reach the secret.
    public var customMirror: Mirror {
        Mirror(self, children: ["id": id, "secret": "<redacted>"], displayStyle: .struct)
    }
}

/// A control-plane key that could not be made or read. Its message never contains secret material.
public struct ControlPlaneKeyError: Error, Sendable, CustomStringConvertible {
    /// What was wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}
