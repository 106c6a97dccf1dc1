/// SplitMix64: a small, seeded, deterministic random number generator, so a fuzz run can be repeated.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator that starts from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates and mutates hostile text and bytes from a seeded generator, for fuzz tests of parsers.
public struct FuzzInput: Sendable {
    /// The generator every choice comes from.
    public var random: SplitMix64

    /// Inputs generated from `seed`.
    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// Numbers that break naive parsers: overflow edges, non-finite spellings, other digit systems.
    public static let awkwardNumbers = [
        "0", "-0", "1", "-1", "+1", "01", "1.5", ".5", "5.", ".", "1e3", "1e300", "1e-300", "1e400", "-1e400", "1e",
        "1e+", "inf", "-inf",
        "Infinity", "nan", "NaN", "0x10", "0x1p3", "1_000", "١٢", "½", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "18446744073709551616", "999999999999999999999999999999", "2147483647", "2147483648",
        "-2147483649",
        "4294967296", "1.7976931348623157e308", "4.9e-324", "", " ", "\t1", "1 ", "١",
    ]

    /// Characters hostile text is built from: digits, signs, units, separators, spaces, controls, non-ASCII.
    public static let alphabet: [Character] = Array(
        "0123456789.,:;=+-_eEsmhdkMSHDxX lk1 \t\n\r\0\u{7f}\u{200b}é字🙂%\"'{}[]\\/")

    /// A number in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    /// True with `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &random) < probability
    }

    /// One of `values` (not empty).
    public mutating func pick<T>(_ values: [T]) -> T { values[int(in: 0...(values.count - 1))] }

    /// Random text of up to `maxLength` characters from `alphabet`.
    public mutating func text(maxLength: Int, alphabet: [Character] = FuzzInput.alphabet) -> String {
        String((0..<int(in: 0...maxLength)).map { _ in pick(alphabet) })
    }

    /// `seed` with one to four edits: insert, delete, replace, duplicate a slice, splice an awkward number,
    /// truncate, or repeat the whole text.
    public mutating func mutate(_ seed: String, alphabet: [Character] = FuzzInput.alphabet) -> String {
        var characters = Array(seed)
        for _ in 0..<int(in: 1...4) {
            let position = characters.isEmpty ? 0 : int(in: 0...characters.count)
            switch int(in: 0...6) {
            case 0: characters.insert(pick(alphabet), at: position)
            case 1: if !characters.isEmpty { characters.remove(at: min(position, characters.count - 1)) }
            case 2: if !characters.isEmpty { characters[min(position, characters.count - 1)] = pick(alphabet) }
            case 3:
                if !characters.isEmpty {
                    let start = min(position, characters.count - 1)
                    let end = min(characters.count, start + int(in: 1...8))
                    characters.insert(contentsOf: characters[start..<end], at: start)
                }
            case 4: characters.insert(contentsOf: Array(pick(Self.awkwardNumbers)), at: position)
            case 5: characters = Array(characters.prefix(position))
            default: if characters.count < 2_000 { characters += characters }
            }
        }
        return String(characters)
    }

    /// `count` random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// `seed` with one to four byte edits: flip, set to an edge value, insert, delete or truncate.
    public mutating func mutate(bytes seed: [UInt8]) -> [UInt8] {
        var bytes = seed
        for _ in 0..<int(in: 1...4) {
            let position = bytes.isEmpty ? 0 : int(in: 0...(bytes.count - 1))
            switch int(in: 0...4) {
            case 0: if !bytes.isEmpty { bytes[position] ^= UInt8(1) << UInt8(int(in: 0...7)) }
            case 1: if !bytes.isEmpty { bytes[position] = pick([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]) }
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: bytes.isEmpty ? 0 : position)
            case 3: if !bytes.isEmpty { bytes.remove(at: position) }
            default: bytes = Array(bytes.prefix(position))
            }
        }
        return bytes
    }

    /// A `Double` from random bits: every class of value (NaN, infinities, subnormals, huge, negative).
    public mutating func anyDouble() -> Double { Double(bitPattern: random.next()) }
}

/// How many generated or mutated inputs each fuzzed parser sees.
public let fuzzIterations = 10_000
