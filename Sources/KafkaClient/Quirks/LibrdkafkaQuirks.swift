import Crdkafka

/// The work-arounds this library applies for known problems of the librdkafka it runs on.
///
/// Each quirk is needed by a range of librdkafka versions (``versions(of:)``) and is applied only when the
/// loaded librdkafka (`rd_kafka_version()`) is in that range; on any other version it is off whatever the
/// configuration says. A consumer decides once, when it is created, which quirks it applies
/// (``KafkaConsumer/librdkafkaQuirks``); the poll path then reads stored flags only.
///
/// Every quirk is on by default where it is needed. To turn one off for a consumer, leave it out of
/// ``KafkaConfiguration/librdkafkaQuirks`` (or list its ``name`` in the configuration key
/// ``configurationKey``); that setting belongs to this library and is never passed to librdkafka.
///
/// | Quirk | Symptom it avoids | Needed by librdkafka |
/// | --- | --- | --- |
/// | ``wireHeaders`` | two allocations per consumed record to learn its headers | exactly 2.0.2 (a private layout) |
/// | ``fetchRestart`` | a consumer slower than its fetcher stalls up to 1 s per queue refill | before 2.2.0 |
/// | ``assignmentWake`` | a new assignment's first record up to 1 s late | every version (no fix known) |
/// | ``commitNudge`` | a first commit that waits up to 1 s for a coordinator already found | every version (no fix known) |
/// | ``seekTimeout`` | seeks that time out after a thousandth of their timeout | before 2.1.0 |
///
/// Docs/Librdkafka.md tells how the project moves to a newer librdkafka.
public struct LibrdkafkaQuirks: OptionSet, Sendable, Hashable, CustomStringConvertible {
    /// One bit per quirk.
    public let rawValue: UInt32

    /// A set from its bits (one per quirk, in declaration order).
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Every quirk (the default: each applies where its librdkafka version needs it).
    public static var all: LibrdkafkaQuirks { Self.known.reduce(into: []) { $0.insert($1.quirk) } }

    /// The configuration key (``KafkaConfiguration``) that lists, comma-separated, the ``name``s of the quirks a
    /// client must not apply, or `all`. It is read by this library and removed before librdkafka sees the
    /// configuration.
    public static let configurationKey = "swift.librdkafka.quirks.off"

    /// The quirks the librdkafka `version` (in `rd_kafka_version()`'s `0xMMmmrrpp` form) needs.
    public static func needed(byVersion version: Int32) -> LibrdkafkaQuirks {
        let release = LibrdkafkaVersion(version)
        return known.reduce(into: []) { set, entry in if entry.versions.contains(release) { set.insert(entry.quirk) } }
    }

    /// The quirks the loaded librdkafka needs; read once per process.
    public static let neededByLoadedLibrary = needed(byVersion: rd_kafka_version())

    /// The quirks a client applies: those `requested` that the librdkafka `version` needs.
    public static func effective(_ requested: LibrdkafkaQuirks, version: Int32 = rd_kafka_version()) -> LibrdkafkaQuirks
    {
        requested.intersection(needed(byVersion: version))
    }

    /// The librdkafka versions `quirk` (a single quirk) is needed by; empty for a set of several or none.
    public static func versions(of quirk: LibrdkafkaQuirks) -> LibrdkafkaVersion.Range {
        known.first { $0.quirk == quirk }?.versions
            ?? LibrdkafkaVersion.Range(from: LibrdkafkaVersion(0), below: LibrdkafkaVersion(0))
    }

    /// The quirk names in this set, in declaration order (`wireHeaders`, `fetchRestart`, …).
    public var names: [String] { Self.known.filter { contains($0.quirk) }.map(\.name) }

    /// The name of a single quirk (as the configuration key spells it); for a set, its names joined by commas.
    public var name: String { names.joined(separator: ",") }

    public var description: String { "[" + names.joined(separator: ", ") + "]" }

    /// The set named by `text`: comma-separated quirk names (surrounding blanks ignored), or `all`; empty for an
    /// empty text.
    ///
    /// - Throws: ``KafkaError`` of kind `.configuration` naming the first unknown name.
    public init(names text: String) throws {
        try self.init(names: text, ignoringUnknown: false)
    }

    /// The set named by `text`; with `ignoringUnknown`, names that are no quirk are skipped instead of refused.
    init(names text: String, ignoringUnknown: Bool) throws {
        var set: LibrdkafkaQuirks = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: " \t")
            if name.isEmpty { continue }
            if name == "all" {
                set = .all
            } else if let entry = Self.known.first(where: { $0.name == name }) {
                set.insert(entry.quirk)
            } else if !ignoringUnknown {
                throw KafkaError(
                    kind: .configuration,
                    message: "invalid configuration key '\(Self.configurationKey)' = '\(InputExcerpt.of(text))': "
                        + "'\(InputExcerpt.of(name))' is not a quirk (known: all, \(Self.known.map(\.name).joined(separator: ", ")))",
                    operation: "set configuration key '\(Self.configurationKey)'")
            }
        }
        self = set
    }

    /// Each quirk with its name and the versions that need it (declared in the quirk's own file).
    static let known: [(quirk: LibrdkafkaQuirks, name: String, versions: LibrdkafkaVersion.Range)] = [
        (.wireHeaders, "wireHeaders", wireHeadersVersions),
        (.fetchRestart, "fetchRestart", fetchRestartVersions),
        (.assignmentWake, "assignmentWake", assignmentWakeVersions),
        (.commitNudge, "commitNudge", commitNudgeVersions),
        (.seekTimeout, "seekTimeout", seekTimeoutVersions),
    ]
}

extension StringProtocol {
    /// The text without the given characters at either end.
    fileprivate func trimmingCharacters(in blanks: String) -> String {
        let scalars = Array(self)
        var start = 0
        var end = scalars.count
        while start < end, blanks.contains(scalars[start]) { start += 1 }
        while end > start, blanks.contains(scalars[end - 1]) { end -= 1 }
        return String(scalars[start..<end])
    }
}
