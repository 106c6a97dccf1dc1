import Foundation
import Synchronization

/// Decides whether a control message is a command to apply: size, envelope, signature, payload, freshness, replay.
///
/// The checks run cheapest and most hostile-input-proof first; only a message that passes the signature check (or any
/// message without authentication) reaches the replay cache, so unauthenticated input never fills it. Never traps.
public final class ControlCommandVerifier: Sendable {
    /// The settings checked against.
    public let security: ControlPlaneSecurity
    private let now: @Sendable () -> Date
    private let cache: Mutex<ReplayCache>

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - security: the keys commands and replies are signed and checked with, or none (insecure mode).
    ///   - now: the clock freshness is judged by (the wall clock; tests pass their own).
    /// - Throws: ``ControlPlaneKeyError`` for settings ``ControlPlaneSecurity/validate()`` refuses.
    public init(security: ControlPlaneSecurity, now: @escaping @Sendable () -> Date = { Date() }) throws {
        try security.validate()
        self.security = security
        self.now = now
        let retention = Self.seconds(security.maxAge) + 2 * Self.seconds(security.allowedClockSkew)
        cache = Mutex(ReplayCache(capacity: security.replayCacheCapacity, retention: retention))
    }

    /// The command in `message`, if it passes every check; the replay cache remembers its id.
    ///
    /// - Throws: ``ControlMessageRejection`` naming the first check that failed.
    public func verify(_ message: [UInt8]) throws(ControlMessageRejection) -> ControlCommand {
        let payload = try ControlEnvelope.open(message, purpose: .command, security: security)
        let command: ControlCommand
        do {
            command = try Self.decoder.decode(ControlCommand.self, from: Data(payload))
        } catch {
            throw ControlMessageRejection(
                .malformedPayload, "the payload is not a control command this version understands")
        }
        let now = now()
        let age = now.timeIntervalSince(command.timestamp)
        let maxAge = Self.seconds(security.maxAge)
        let skew = Self.seconds(security.allowedClockSkew)
        if age > maxAge + skew {
            throw ControlMessageRejection(
                .stale,
                "command \(command.id) was issued \(Self.whole(age)) s ago, more than \(Self.whole(maxAge)) s (+\(Self.whole(skew)) s skew)"
            )
        }
        if age < -skew {
            throw ControlMessageRejection(
                .fromTheFuture,
                "command \(command.id) is dated \(Self.whole(-age)) s ahead, more than the \(Self.whole(skew)) s skew allowed"
            )
        }
        switch cache.withLock({ $0.insert(command.id, issuedAt: command.timestamp, now: now) }) {
        case .inserted: return command
        case .replayed: throw ControlMessageRejection(.replayed, "command \(command.id) was already received")
        case .full:
            throw ControlMessageRejection(
                .replayCacheFull, "\(security.replayCacheCapacity) commands within the freshness window")
        }
    }

    /// How many command ids the replay cache holds now.
    public var rememberedCommands: Int { cache.withLock { $0.count } }

    /// Signs a command for the wire (with the first key; unsigned without authentication).
    public func seal(_ command: ControlCommand) throws -> [UInt8] {
        ControlEnvelope.seal(Array(try Self.encoder.encode(command)), purpose: .command, key: security.signingKey)
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// A number of seconds rounded to whole ones for a message (never traps, whatever the size).
    static func whole(_ seconds: TimeInterval) -> String {
        Int(exactly: seconds.rounded()).map(String.init) ?? "\(seconds)"
    }

    /// A duration in seconds (durations here are validated to at most a day, so this is exact enough and cannot trap).
    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
