/// The bytes of a record's key or value: a read-only view into storage that all records of one poll share.
///
/// Reading a poll's records costs one allocation for all their keys and values, not two per record. A
/// `KafkaBytes` keeps its poll's storage alive while it exists, so holding one record for a long time keeps
/// that poll's bytes in memory; copy what you keep (`Array(bytes)`, ``array``) when that matters. It is a
/// `RandomAccessCollection` of `UInt8` indexed from 0, compares and hashes by content, and is `Sendable`.
public struct KafkaBytes: RandomAccessCollection, Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral
{
    let storage: ByteStorage
    let start: Int
    /// The number of bytes.
    public let count: Int

    init(storage: ByteStorage, start: Int, count: Int) {
        self.storage = storage
        self.start = start
        self.count = count
    }

    /// Bytes copied from `bytes` into storage of their own.
    public init(_ bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        let storage = ByteStorage(capacity: array.count)
        array.withUnsafeBytes {
            if let base = $0.baseAddress { storage.pointer.copyMemory(from: base, byteCount: $0.count) }
        }
        self.init(storage: storage, start: 0, count: array.count)
    }

    /// Bytes from UTF-8 text.
    public init(_ string: String) {
        self.init(Array(string.utf8))
    }

    public init(arrayLiteral elements: UInt8...) {
        self.init(elements)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "KafkaBytes index \(position) out of range 0..<\(count)")
        return storage.pointer.load(fromByteOffset: start + position, as: UInt8.self)
    }

    /// Calls `body` with the bytes in place (valid only during the call).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.pointer + start, count: count))
    }

    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try body(
            UnsafeBufferPointer(start: (storage.pointer + start).assumingMemoryBound(to: UInt8.self), count: count))
    }

    /// The bytes copied into an array.
    public var array: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The bytes decoded as UTF-8 (invalid sequences become U+FFFD).
    public var utf8String: String { withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }

    public var description: String { "\(count) bytes" }

    public static func == (lhs: KafkaBytes, rhs: KafkaBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { l in rhs.withUnsafeBytes { r in l.elementsEqual(r) } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

/// Raw bytes shared by the `KafkaBytes` of one poll.
///
/// `@unchecked Sendable`: the bytes are written once, while the poll builds its records on the consumer's
/// thread, before any `KafkaBytes` referring to them exists; afterwards they are only read.
final class ByteStorage: @unchecked Sendable {
    /// Storage for batches whose records carry no bytes at all.
    static let empty = ByteStorage(capacity: 0)

    let pointer: UnsafeMutableRawPointer

    init(capacity: Int) {
        pointer = .allocate(byteCount: max(capacity, 1), alignment: 1)
    }

    deinit { pointer.deallocate() }
}
