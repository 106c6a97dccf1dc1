/// How a ``ControlPlane`` and a ``ControlPlaneClient`` authenticate commands and replies.
///
/// With `signed(_:)` every command and reply travels in a signed envelope (HMAC-SHA256 over the exact payload bytes),
/// and a command is applied only when its signature verifies with one of the keys, it was issued within ``maxAge``
/// (allowing ``allowedClockSkew`` either way) and its id was not seen before. ``insecureNoAuthentication`` turns signing
/// off (freshness, replay and size checks stay); it must be chosen explicitly and logs a warning when the plane starts.
/// See `Docs/Security.md`.
public struct ControlPlaneSecurity: Sendable, CustomStringConvertible {
    enum Mode: Sendable {
        case signed([ControlPlaneKey])
        case insecure
    }

    let mode: Mode
    /// How old a command may be when it arrives (default 60 s); older ones are rejected as stale.
    public var maxAge: Duration = .seconds(60)
    /// How far the issuer's clock may be off, either way (default 10 s): a command stamped later than now plus this is
    /// rejected as from the future, and one up to ``maxAge`` plus this old is still fresh.
    public var allowedClockSkew: Duration = .seconds(10)
    /// How many command ids the replay cache holds (default 10,000); when it is full of ids still inside the freshness
    /// window, further commands are rejected until ids expire. Only authenticated commands take a place.
    public var replayCacheCapacity: Int = 10_000
    /// The largest control message decoded (default 64 KiB); larger ones are rejected unread.
    public var maxMessageBytes: Int = 65_536

    /// Signs with the first key and verifies with any of them (list the new key first during a rotation, keep the old
    /// one until every client signs with the new one).
    public static func signed(_ keys: [ControlPlaneKey]) -> ControlPlaneSecurity {
        ControlPlaneSecurity(mode: .signed(keys))
    }

    /// Signs and verifies with one key.
    public static func signed(_ key: ControlPlaneKey) -> ControlPlaneSecurity { signed([key]) }

    /// No signatures: anyone who can write to the control topic can pause, stop or seek every listener. For local
    /// development and tests only.
    public static var insecureNoAuthentication: ControlPlaneSecurity { ControlPlaneSecurity(mode: .insecure) }

    /// Whether commands and replies are signed.
    public var isAuthenticated: Bool {
        if case .signed = mode { true } else { false }
    }

    /// The key that signs (the first), or nil without authentication.
    var signingKey: ControlPlaneKey? {
        if case .signed(let keys) = mode { keys.first } else { nil }
    }

    /// The keys that verify, by id (empty without authentication).
    var verifyingKeys: [String: ControlPlaneKey] {
        guard case .signed(let keys) = mode else { return [:] }
        return Dictionary(keys.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Checks the settings.
    ///
    /// - Throws: ``ControlPlaneKeyError`` for a signed mode without keys or with two keys of one id, a non-positive or
    ///   over-a-day ``maxAge``, a negative or over-an-hour ``allowedClockSkew``, a replay cache below 1 or above
    ///   1,000,000 entries, or a message bound outside 1 KiB…16 MiB.
    public func validate() throws {
        if case .signed(let keys) = mode {
            if keys.isEmpty {
                throw ControlPlaneKeyError(
                    message:
                        "the control plane needs at least one key (or ControlPlaneSecurity.insecureNoAuthentication, explicitly)"
                )
            }
            if Set(keys.map(\.id)).count != keys.count {
                throw ControlPlaneKeyError(message: "two control-plane keys share an id")
            }
        }
        guard maxAge > .zero, maxAge <= .seconds(86_400) else {
            throw ControlPlaneKeyError(message: "maxAge must be above zero and at most a day, got \(maxAge)")
        }
        guard allowedClockSkew >= .zero, allowedClockSkew <= .seconds(3_600) else {
            throw ControlPlaneKeyError(message: "allowedClockSkew must be zero to an hour, got \(allowedClockSkew)")
        }
        guard (1...1_000_000).contains(replayCacheCapacity) else {
            throw ControlPlaneKeyError(message: "replayCacheCapacity must be 1 to 1000000, got \(replayCacheCapacity)")
        }
        guard (1_024...16_777_216).contains(maxMessageBytes) else {
            throw ControlPlaneKeyError(message: "maxMessageBytes must be 1024 to 16777216, got \(maxMessageBytes)")
        }
    }

    /// The mode and key ids, never a secret.
    public var description: String {
        switch mode {
        case .signed(let keys):
            "ControlPlaneSecurity.signed(keys: \(keys.map(\.id)), maxAge: \(maxAge), allowedClockSkew: \(allowedClockSkew))"
        case .insecure: "ControlPlaneSecurity.insecureNoAuthentication"
        }
    }
}
