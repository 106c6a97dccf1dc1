import Crypto
import Foundation

/// The wire format of control commands and replies: `{"v":1,"kid":"…","sig":"<base64>","payload":"<base64>"}`.
///
/// `payload` is the base64 of the exact JSON bytes of a ``ControlCommand`` or ``ControlReply``; `sig` is
/// HMAC-SHA256 over a purpose label followed by those bytes, so a signature is checked on the bytes that are then
/// decoded, never on re-encoded JSON, and a signed reply cannot pass as a command. Without authentication `kid` and
/// `sig` are left out.
enum ControlEnvelope {
    /// What a payload is; part of the signed bytes.
    enum Purpose: String, Sendable {
        case command, reply

        /// The label signed before the payload.
        var label: [UInt8] { Array("kafka-listeners.control.v1.\(rawValue)\n".utf8) }
    }

    /// The JSON object on the wire.
    private struct Wire: Codable {
        var v: Int
        var kid: String?
        var sig: String?
        var payload: String
    }

    /// The only version.
    static let version = 1

    /// Wraps `payload`, signed with `key` (unsigned without one).
    static func seal(_ payload: [UInt8], purpose: Purpose, key: ControlPlaneKey?) -> [UInt8] {
        var wire = Wire(v: version, kid: nil, sig: nil, payload: Data(payload).base64EncodedString())
        if let key {
            wire.kid = key.id
            wire.sig = Data(signature(payload, purpose: purpose, key: key)).base64EncodedString()
        }
        // Encoding a struct of an Int and strings cannot fail; an empty message would be rejected by every reader.
        return (try? Array(JSONEncoder().encode(wire))) ?? []
    }

    /// The signature of `payload` for `purpose` under `key`.
    static func signature(_ payload: [UInt8], purpose: Purpose, key: ControlPlaneKey) -> [UInt8] {
        var mac = HMAC<SHA256>(key: key.symmetricKey)
        mac.update(data: purpose.label)
        mac.update(data: payload)
        return Array(mac.finalize())
    }

    /// Unwraps `message` and checks its signature as `security` requires.
    ///
    /// - Returns: the payload's bytes, exactly as signed.
    /// - Throws: ``ControlMessageRejection`` (never traps, whatever the bytes).
    static func open(
        _ message: [UInt8], purpose: Purpose, security: ControlPlaneSecurity
    ) throws(ControlMessageRejection) -> [UInt8] {
        guard message.count <= security.maxMessageBytes else {
            throw ControlMessageRejection(.oversize, "\(message.count) bytes, more than \(security.maxMessageBytes)")
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(message))
        } catch {
            throw ControlMessageRejection(.malformedEnvelope, "not a control envelope (\(message.count) bytes)")
        }
        guard wire.v == version else {
            throw ControlMessageRejection(.unsupportedVersion, "envelope version \(wire.v), expected \(version)")
        }
        guard let payload = Data(base64Encoded: wire.payload) else {
            throw ControlMessageRejection(.malformedEnvelope, "the payload is not base64")
        }
        let bytes = Array(payload)
        guard security.isAuthenticated else { return bytes }
        guard let kid = wire.kid, let sig = wire.sig else {
            throw ControlMessageRejection(.unsigned, "no \(wire.kid == nil ? "key id" : "signature")")
        }
        guard let key = security.verifyingKeys[kid] else {
            let shown = ControlPlaneKey.isValidId(kid) ? "'\(kid)'" : "(not a valid key id)"
            throw ControlMessageRejection(.unknownKey, "key id \(shown) is not one of this side's keys")
        }
        guard let mac = Data(base64Encoded: sig), mac.count == SHA256.byteCount else {
            throw ControlMessageRejection(.badSignature, "the signature is not a base64 HMAC-SHA256")
        }
        var check = HMAC<SHA256>(key: key.symmetricKey)
        check.update(data: purpose.label)
        check.update(data: bytes)
        // Crypto's MAC comparison is constant-time.
        guard check.finalize() == mac else {
            throw ControlMessageRejection(.badSignature, "the signature does not verify with key '\(key.id)'")
        }
        return bytes
    }
}
