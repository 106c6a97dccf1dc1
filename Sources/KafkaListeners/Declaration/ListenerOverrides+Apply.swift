import KafkaClient

extension ListenerOverrides {
    /// The settings that can be overridden, by file key.
    public static let settings = [
        "concurrency", "ack-mode", "ack-count", "ack-time", "max-poll-records", "auto-startup", "paused", "group-id",
        "properties.<key>",
    ]

    /// The allowed ack-mode values.
    public static let ackModes = ["record", "batch", "time", "count", "count-time", "manual", "manual-immediate"]

    /// `listeners` with every entry applied.
    ///
    /// - Throws: ``ListenerOverrideError`` for an unknown listener id or setting, or an invalid value.
    public func apply(to listeners: [DeclaredListener]) throws -> [DeclaredListener] {
        var result = listeners
        var acks: [Int: (PendingAck, Entry)] = [:]
        let ids = listeners.map(\.endpoint.id)
        let resolved = try entries + resolvers.flatMap { try $0(ids) }
        for entry in resolved {
            let (index, setting) = try locate(entry, in: result)
            var pending = acks[index]?.0 ?? PendingAck(result[index].endpoint.ackMode)
            try Self.apply(setting, entry, to: &result[index], ack: &pending)
            if setting.hasPrefix("ack-") { acks[index] = (pending, entry) }
        }
        for (index, (pending, entry)) in acks { result[index].endpoint.ackMode = try pending.resolve(entry) }
        return result
    }

    private func locate(_ entry: Entry, in listeners: [DeclaredListener]) throws -> (Int, String) {
        let ids = listeners.map(\.endpoint.id)
        if !entry.normalizedId {
            guard let index = ids.firstIndex(of: entry.listenerId) else {
                throw ListenerOverrideError(
                    key: entry.origin, value: entry.value,
                    reason: "no listener has id '\(entry.listenerId)' (declared: \(ids.joined(separator: ", ")))")
            }
            return (index, entry.setting)
        }
        // KAFKA_LISTENERS_<ID>_<SETTING>: the longest declared id that prefixes the rest.
        let rest = entry.listenerId
        let candidates = ids.enumerated().map { ($0.offset, Self.normalize($0.element)) }
            .filter { rest.hasPrefix($0.1 + "_") }.sorted { $0.1.count > $1.1.count }
        guard let (index, normalized) = candidates.first else {
            throw ListenerOverrideError(
                key: entry.origin, value: entry.value,
                reason: "no declared listener matches; declared ids as they appear in variable names: "
                    + ids.map { Self.normalize($0) }.joined(separator: ", "))
        }
        let suffix = String(rest.dropFirst(normalized.count + 1))
        if suffix.hasPrefix("PROPERTIES_") {
            return (
                index,
                "properties."
                    + suffix.dropFirst("PROPERTIES_".count).lowercased().replacingOccurrences(of: "_", with: ".")
            )
        }
        return (index, suffix.lowercased().replacingOccurrences(of: "_", with: "-"))
    }

    static func normalize(_ id: String) -> String {
        String(id.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    private static func apply(
        _ setting: String, _ entry: Entry, to listener: inout DeclaredListener, ack: inout PendingAck
    ) throws {
        let value = entry.value.trimmingCharacters(in: .whitespaces)
        func fail(_ reason: String) -> ListenerOverrideError {
            ListenerOverrideError(key: entry.origin, value: entry.value, reason: reason)
        }
        func positive() throws -> Int {
            guard let n = Int(value), n >= 1 else { throw fail("expected an integer ≥ 1") }
            return n
        }
        func bool() throws -> Bool {
            switch value.lowercased() {
            case "true": return true
            case "false": return false
            default: throw fail("allowed values: true, false")
            }
        }
        switch setting {
        case "concurrency": listener.endpoint.concurrency = try positive()
        case "max-poll-records": listener.endpoint.maxPollRecords = try positive()
        case "auto-startup": listener.endpoint.autoStartup = try bool()
        case "paused": listener.pausedAtStart = try bool()
        case "group-id":
            guard !value.isEmpty else { throw fail("the group id is empty") }
            listener.endpoint.groupId = value
        case "ack-mode":
            guard let mode = Self.ackModes.first(where: { $0 == value.lowercased() }) else {
                throw fail("allowed values: \(Self.ackModes.joined(separator: ", "))")
            }
            ack.mode = mode
        case "ack-count": ack.count = try positive()
        case "ack-time":
            do throws(DurationParseError) {
                ack.time = try DurationText.parse(value, bareNumberUnit: .milliseconds(1))
            } catch {
                throw fail(
                    "expected a duration such as 500ms, 5s, 1m, or milliseconds, at most 365 days: \(error.explanation)"
                )
            }
        default:
            if setting.hasPrefix("properties."), setting.count > "properties.".count {
                listener.endpoint.consumerProperties[String(setting.dropFirst("properties.".count))] = value
            } else {
                throw fail("unknown setting '\(setting)'; settings: \(Self.settings.joined(separator: ", "))")
            }
        }
    }
}

/// An ack mode being assembled from `ack-mode`, `ack-count` and `ack-time`, which may come in any order.
struct PendingAck {
    var mode: String?
    var count: Int?
    var time: Duration?
    let current: AckMode

    init(_ current: AckMode) { self.current = current }

    func resolve(_ entry: ListenerOverrides.Entry) throws -> AckMode {
        var count = self.count
        var time = self.time
        switch current {
        case .count(let n): count = count ?? n
        case .time(let t): time = time ?? t
        case .countTime(let n, let t):
            count = count ?? n
            time = time ?? t
        default: break
        }
        let name =
            mode
            ?? {
                switch current {
                case .record: "record"
                case .batch: "batch"
                case .time: "time"
                case .count: "count"
                case .countTime: "count-time"
                case .manual: "manual"
                case .manualImmediate: "manual-immediate"
                }
            }()
        func missing(_ what: String) -> ListenerOverrideError {
            ListenerOverrideError(
                key: entry.origin, value: entry.value,
                reason: "ack mode \(name) needs \(what) (set it next to ack-mode)")
        }
        if self.count != nil && !["count", "count-time"].contains(name)
            || self.time != nil && !["time", "count-time"].contains(name)
        {
            throw ListenerOverrideError(
                key: entry.origin, value: entry.value,
                reason:
                    "ack mode \(name) uses neither ack-count nor ack-time; set ack-mode to count, time or count-time")
        }
        switch name {
        case "record": return .record
        case "batch": return .batch
        case "manual": return .manual
        case "manual-immediate": return .manualImmediate
        case "count":
            guard let count else { throw missing("ack-count") }
            return .count(count)
        case "time":
            guard let time else { throw missing("ack-time") }
            return .time(time)
        default:
            guard let count, let time else { throw missing("ack-count and ack-time") }
            return .countTime(count, time)
        }
    }
}
