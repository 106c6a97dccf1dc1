/// Why a control message (a command at a ``ControlPlane``, a reply at a ``ControlPlaneClient``) was not accepted.
///
/// Rejected commands are logged (rate-limited), counted (``ControlPlane/rejections``), never applied and never
/// answered. The ``detail`` names the input's problem but never contains a key, and holds no more than a short,
/// sanitized part of the input.
public struct ControlMessageRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of rejection.
    public enum Reason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// The message is larger than ``ControlPlaneSecurity/maxMessageBytes``.
        case oversize
        /// Not an envelope: not JSON, a field missing or of the wrong type, a payload that is not base64.
        case malformedEnvelope
        /// An envelope version other than 1.
        case unsupportedVersion
        /// No signature (or no key id) where signatures are required.
        case unsigned
        /// The key id names no key this side holds.
        case unknownKey
        /// The signature does not verify: a wrong key or a changed payload.
        case badSignature
        /// The signed payload is not a command (or reply) this version understands.
        case malformedPayload
        /// Issued longer ago than the freshness window allows.
        case stale
        /// Issued later than now plus the allowed clock skew.
        case fromTheFuture
        /// A command id already applied within the freshness window.
        case replayed
        /// The replay cache is full of ids still inside the freshness window.
        case replayCacheFull

        /// The raw value, as logs and metrics show it.
        public var description: String { rawValue }
    }

    /// The kind.
    public var reason: Reason
    /// A short explanation (never secret material).
    public var detail: String

    /// Creates a rejection.
    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// `<reason>: <detail>`.
    public var description: String { "\(reason): \(detail)" }
}
