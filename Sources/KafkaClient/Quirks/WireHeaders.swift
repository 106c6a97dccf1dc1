import Crdkafka

extension LibrdkafkaQuirks {
    /// Reads a consumed record's headers in place on librdkafka 2.0.2 (`WireHeaders`).
    ///
    /// Symptom without it: every consumed record costs two allocations and about 80 ns in
    /// `rd_kafka_message_headers` (more when it has headers), even to learn that it has none. This is a short-cut
    /// rather than a bug fix: it reads librdkafka's private message layout, so it applies to exactly the release
    /// whose layout it knows (2.0.2) and to no other, older or newer. Off, the headers come from the public API;
    /// the records are the same either way. The mock cluster cannot show the cost other than in time, which tests
    /// do not measure (Benchmarks/ does).
    public static let wireHeaders = LibrdkafkaQuirks(rawValue: 1 << 0)

    /// Exactly 2.0.2: the private `rd_kafka_msg_t` layout `crdkafka_wire_headers` mirrors.
    static let wireHeadersVersions = LibrdkafkaVersion.Range(
        from: LibrdkafkaVersion(2, 0, 2), below: LibrdkafkaVersion(2, 0, 3))
}

extension LibrdkafkaQuirks {
    /// Reads a consumed record's headers straight from the fetched bytes (Kafka's v2 record format): the
    /// ``LibrdkafkaQuirks/wireHeaders`` quirk.
    ///
    /// `rd_kafka_message_headers` allocates a shadow buffer for every v2 record, and a list and a copy of each
    /// header when it has any, before the layer above copies them again; for a record without headers that is
    /// about 80 ns and two allocations spent to learn that there are none. On librdkafka 2.0.2, whose private
    /// message layout `crdkafka_wire_headers` knows and checks on every message, this reads the header count
    /// (and the headers) in place. Any other version, any message the check does not accept and any malformed
    /// header block go through the public API instead, so the result is the same either way.
    enum WireHeaders {
        /// Whether this process runs the librdkafka whose message layout `crdkafka_wire_headers` mirrors.
        static let layoutKnown: Bool = LibrdkafkaQuirks.neededByLoadedLibrary.contains(.wireHeaders)

        /// The headers of `message` read in place, or `nil` when they must come from the public API.
        ///
        /// Call only when the quirk is in effect (``layoutKnown`` and not switched off): the consumer checks its stored flag.
        @inline(__always)
        static func read(_ message: UnsafePointer<rd_kafka_message_t>, timestamp: Int64) -> [RecordHeader]? {
            var data: UnsafePointer<UInt8>?
            var length = 0
            guard crdkafka_wire_headers(message, timestamp, &data, &length) != 0, let data else { return nil }
            if data.pointee == 0 { return [] }  // a header count of zero: the common case
            return parse(UnsafeBufferPointer(start: data, count: length))
        }

        /// Parses a v2 header block: a count, then per header a key length, the key, a value length (-1 for
        /// none) and the value, every number a zig-zag varint. `nil` when the block does not parse within its
        /// bounds (the caller then asks librdkafka).
        static func parse(_ block: UnsafeBufferPointer<UInt8>) -> [RecordHeader]? {
            var position = 0
            guard let count = varint(block, &position), count >= 0, count <= block.count else { return nil }
            var headers: [RecordHeader] = []
            headers.reserveCapacity(count)
            for _ in 0..<count {
                guard let keyLength = varint(block, &position), keyLength >= 0, keyLength <= block.count - position
                else { return nil }
                let keyBytes = UnsafeBufferPointer(rebasing: block[position..<position + keyLength])
                position += keyLength
                guard let valueLength = varint(block, &position), valueLength >= -1,
                    valueLength <= block.count - position
                else { return nil }
                var value: [UInt8]?
                if valueLength >= 0 {
                    value = Array(UnsafeBufferPointer(rebasing: block[position..<position + valueLength]))
                    position += valueLength
                }
                headers.append(RecordHeader(key: key(keyBytes), value: value))
            }
            return headers
        }

        /// A header name as librdkafka hands it out: a C string, so it ends at the first NUL byte.
        private static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
            let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        }

        /// Reads one zig-zag varint (at most 5 bytes: Kafka's header numbers are 32-bit) at `position`.
        private static func varint(_ block: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> Int? {
            var raw: UInt32 = 0
            var shift: UInt32 = 0
            while position < block.count, shift < 35 {
                let byte = block[position]
                position += 1
                raw |= UInt32(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return Int(Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))) }
                shift += 7
            }
            return nil
        }
    }
}
