/// A librdkafka release number (major, minor, revision), without the pre-release part.
public struct LibrdkafkaVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `0xMMmmrr`.
    public let number: Int32

    /// The release of a `rd_kafka_version()` value (`0xMMmmrrpp`; the pre-release byte `pp` is ignored, so a
    /// release candidate counts as its release).
    public init(_ version: Int32) {
        number = version >> 8
    }

    /// The release `major.minor.revision`; parts beyond a byte are clamped.
    public init(_ major: Int, _ minor: Int, _ revision: Int) {
        func byte(_ part: Int) -> Int32 { Int32(min(max(part, 0), 255)) }
        number = byte(major) << 16 | byte(minor) << 8 | byte(revision)
    }

    public var description: String { "\(number >> 16).\(number >> 8 & 0xff).\(number & 0xff)" }

    public static func < (lhs: LibrdkafkaVersion, rhs: LibrdkafkaVersion) -> Bool { lhs.number < rhs.number }

    /// The releases from `lowerBound` up to, not including, `fixed` (`nil`: no release is known to fix it).
    public struct Range: Sendable, Hashable, CustomStringConvertible {
        /// The first release that needs the quirk.
        public let lowerBound: LibrdkafkaVersion
        /// The first release that no longer needs it, or `nil` while none is known.
        public let fixed: LibrdkafkaVersion?

        /// The releases from `lowerBound` below `fixed`.
        public init(from lowerBound: LibrdkafkaVersion, below fixed: LibrdkafkaVersion?) {
            self.lowerBound = lowerBound
            self.fixed = fixed
        }

        /// Whether `version` needs the quirk.
        public func contains(_ version: LibrdkafkaVersion) -> Bool {
            version >= lowerBound && fixed.map { version < $0 } ?? true
        }

        public var description: String {
            fixed.map { "\(lowerBound) up to \($0) (fixed in \($0))" } ?? "\(lowerBound) and later (no fix known)"
        }
    }
}
