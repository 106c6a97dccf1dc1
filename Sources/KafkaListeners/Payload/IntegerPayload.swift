import KafkaClient

/// Fixed-width integers are exactly `bitWidth / 8` bytes, big-endian (network order), as Kafka's Java
/// `ShortSerializer`, `IntegerSerializer` and `LongSerializer` write them.
public protocol BigEndianPayload: KafkaPayload, FixedWidthInteger {}

extension BigEndianPayload {
    /// Reads exactly `bitWidth / 8` big-endian bytes.
    public static func decode(_ bytes: KafkaBytes?, headers: [RecordHeader]) throws -> Self {
        let bytes = try present(bytes, Self.self)
        let width = Self.bitWidth / 8
        guard bytes.count == width else {
            throw PayloadError.wrongLength(type: "\(Self.self)", expected: width, got: bytes.count)
        }
        var value: Self = 0
        for byte in bytes { value = (value << 8) | Self(truncatingIfNeeded: byte) }
        return value
    }

    /// An integer of the type's width.
    public static var schema: PayloadSchema {
        .integer(format: bitWidth == 64 ? "int64" : bitWidth == 32 ? "int32" : nil)
    }

    /// Writes `bitWidth / 8` big-endian bytes.
    public func encode() throws -> [UInt8]? {
        let width = Self.bitWidth / 8
        return (0..<width).map { i in UInt8(truncatingIfNeeded: self >> ((width - 1 - i) * 8)) }
    }
}

extension Int8: BigEndianPayload {}
extension Int16: BigEndianPayload {}
extension Int32: BigEndianPayload {}
extension Int64: BigEndianPayload {}
extension UInt16: BigEndianPayload {}
extension UInt32: BigEndianPayload {}
extension UInt64: BigEndianPayload {}
