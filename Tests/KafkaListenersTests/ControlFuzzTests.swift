import Foundation
import Testing

@testable import KafkaListeners

/// SplitMix64: a small, seeded, deterministic generator.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What a fuzz run saw.
struct FuzzTally: CustomStringConvertible {
    var accepted = 0
    var rejected: [ControlMessageRejection.Reason: Int] = [:]
    var invalidValues = 0

    var total: Int { accepted + rejected.values.reduce(0, +) }
    var description: String { "accepted \(accepted) (\(invalidValues) with out-of-range values), rejected \(rejected)" }

    mutating func note(_ verify: () throws(ControlMessageRejection) -> ControlCommand) {
        do {
            let command = try verify()
            accepted += 1
            if command.action.validationFailure != nil { invalidValues += 1 }
        } catch {
            rejected[error.reason, default: 0] += 1
        }
    }
}

@Suite("Control-plane input fuzzing (seeded)", .timeLimit(.minutes(1)))
struct ControlFuzzTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let key = ControlPlaneKey.generate()

    func verifier() throws -> ControlCommandVerifier {
        try ControlCommandVerifier(security: .signed(key), now: { Self.now })
    }

    static let tokens: [String] = [
        "null", "true", "0", "-1", "1e999", "-1e999", "9223372036854775808", "-9223372036854775809", "1.5", "NaN",
        "\"\"", "{}", "[]",
        "\"\\u0000\"", "\"\\ud800\"", "{\"a\":", "]", "\"", ",", ":", "\\", "\u{FEFF}", "\u{0}",
    ]

    /// `bytes` changed in 1 to 4 places: flips, insertions, deletions, truncation, duplication, JSON tokens.
    static func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = result.isEmpty ? 0 : Int.random(in: 0..<result.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !result.isEmpty: result[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1: result.insert(UInt8.random(in: 0...255, using: &random), at: position)
            case 2 where !result.isEmpty: result.remove(at: position)
            case 3: result = Array(result.prefix(position))
            case 4 where !result.isEmpty:
                let end = min(result.count, position + Int.random(in: 1...64, using: &random))
                result.insert(contentsOf: result[position..<end], at: position)
            default:
                let token = tokens.randomElement(using: &random) ?? "null"
                result.insert(contentsOf: Array(token.utf8), at: min(position, result.count))
            }
        }
        return result
    }

    /// A random value of JSON: mostly plausible for command fields, sometimes hostile.
    static func value(_ random: inout SplitMix64, depth: Int = 0) -> String {
        switch Int.random(in: 0..<12, using: &random) {
        case 0: return "\"orders\""
        case 1: return "\"\(String(repeating: "x", count: Int.random(in: 0...2_000, using: &random)))\""
        case 2: return String(Int.random(in: Int.min...Int.max, using: &random))
        case 3:
            return ["0", "1", "-1", "32", "100000", "100001", "9223372036854775807"].randomElement(using: &random)
                ?? "0"
        case 4: return String(Double.random(in: -1e6...1e6, using: &random))
        case 5:
            return ["1e300", "-0.0", "1e-320", "31536000", "31536001", "1e999"].randomElement(using: &random) ?? "0"
        case 6: return ["null", "true", "false"].randomElement(using: &random) ?? "null"
        case 7 where depth < 3:
            return "{"
                + (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    "\"\(field(&random))\":\(value(&random, depth: depth + 1))"
                }.joined(separator: ",") + "}"
        case 8 where depth < 3:
            return "["
                + (0..<Int.random(in: 0...3, using: &random)).map { _ in value(&random, depth: depth + 1) }.joined(
                    separator: ",") + "]"
        case 9: return ["\"earliest\"", "\"latest\"", "\"middle\""].randomElement(using: &random) ?? "\"earliest\""
        case 10: return "\"a\\u0000b\""
        default: return tokens.randomElement(using: &random) ?? "null"
        }
    }

    /// A value of the field's own type, often at or past the edges of its range.
    static func typedValue(_ field: String, _ random: inout SplitMix64) -> String {
        switch field {
        case "listenerId":
            return [
                "\"orders\"", "\"\"", "\" \"", "\"a\\u0007b\"", "\"✓\"", "\"\(String(repeating: "y", count: 1_500))\"",
            ].randomElement(using: &random) ?? "\"\""
        case "seconds":
            return [
                "0", "30", "-1", "1e300", "31536000", "31536000.5", "1e-300",
                String(Double.random(in: -1e9...1e9, using: &random)),
            ]
            .randomElement(using: &random) ?? "0"
        case "to": return ["\"earliest\"", "\"latest\"", "\"middle\""].randomElement(using: &random) ?? "\"latest\""
        default:
            return [
                "0", "1", "-1", "100000", "100001", "253402300799999", "253402300800000", "9223372036854775807",
                "-9223372036854775808",
                String(Int64.random(in: .min ... .max, using: &random)),
            ].randomElement(using: &random) ?? "0"
        }
    }

    static func field(_ random: inout SplitMix64) -> String {
        ["listenerId", "seconds", "to", "milliseconds", "value", "_0", "id", "x"].randomElement(using: &random) ?? "x"
    }

    /// Each action with the fields it has (and one that does not exist).
    static let actions: [(String, [String])] = [
        ("pause", ["listenerId", "seconds"]), ("resume", ["listenerId"]), ("start", ["listenerId"]),
        ("stop", ["listenerId"]),
        ("seek", ["listenerId", "to"]), ("seekToTimestamp", ["listenerId", "milliseconds"]),
        ("setMaxConcurrency", ["listenerId", "value"]),
        ("status", ["listenerId"]), ("explode", ["listenerId"]),
    ]

    /// Issue times around ``now``: fresh, at the edges of the window, far off.
    static var times: [String] {
        let formatter = ISO8601DateFormatter()
        return [0, -30, -69, -71, 9, 11, -1e9, 1e9].map { formatter.string(from: now.addingTimeInterval($0)) }
    }

    /// A command's JSON: a valid or broken id, a time near, far or malformed, a random action with random fields.
    static func commandJSON(_ random: inout SplitMix64, times: [String]) -> String {
        let id = Int.random(in: 0..<10, using: &random) == 0 ? value(&random) : "\"\(randomUUID(&random))\""
        let timestamp =
            Int.random(in: 0..<10, using: &random) == 0
            ? value(&random) : "\"\(times.randomElement(using: &random) ?? "")\""
        let (action, names) = actions.randomElement(using: &random) ?? ("pause", [])
        // Mostly the action's own fields with random values, sometimes random fields.
        let fields =
            Int.random(in: 0..<4, using: &random) == 0
            ? (0..<Int.random(in: 0...3, using: &random)).map { _ in "\"\(field(&random))\":\(value(&random))" }
            : names.map {
                "\"\($0)\":\(Int.random(in: 0..<4, using: &random) == 0 ? value(&random) : typedValue($0, &random))"
            }
        var parts = [
            "\"id\":\(id)", "\"timestamp\":\(timestamp)",
            "\"action\":{\"\(action)\":{\(fields.joined(separator: ","))}}",
        ]
        if Int.random(in: 0..<8, using: &random) == 0 { parts.removeLast() }
        return "{" + parts.shuffled(using: &random).joined(separator: ",") + "}"
    }

    static func randomUUID(_ random: inout SplitMix64) -> String {
        let a = random.next()
        let b = random.next()
        let bytes =
            (0..<8).map { UInt8(truncatingIfNeeded: a >> ($0 * 8)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: b >> ($0 * 8)) }
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
        return uuid.uuidString
    }

    @Test("12,000 mutated signed envelopes: each accepted or rejected, none traps; unmutated controls are accepted")
    func mutatedEnvelopes() throws {
        var random = SplitMix64(seed: 0x5EED_0001)
        let verifier = try verifier()
        let sample: [ControlCommand.Action] = [
            .pause(listenerId: "orders", seconds: 30), .resume(listenerId: "orders"),
            .seekToTimestamp(listenerId: "o", milliseconds: 1),
            .setMaxConcurrency(listenerId: "pp", value: 8), .status(listenerId: nil),
            .seek(listenerId: "orders", to: .latest),
        ]
        var tally = FuzzTally()
        var controls = 0
        for index in 0..<12_000 {
            let command = ControlCommand(
                sample[index % sample.count], id: UUID(uuidString: Self.randomUUID(&random)) ?? UUID(),
                timestamp: Self.now)
            let sealed = try verifier.seal(command)
            if index % 10 == 0 {
                controls += 1
                tally.note { () throws(ControlMessageRejection) in try verifier.verify(sealed) }
            } else {
                let mutated = Self.mutate(sealed, &random)
                tally.note { () throws(ControlMessageRejection) in try verifier.verify(mutated) }
            }
        }
        #expect(tally.total == 12_000, "\(tally)")
        #expect(tally.accepted >= controls, "\(tally)")
        #expect(tally.rejected.values.reduce(0, +) > 9_000, "\(tally)")
        #expect((tally.rejected[.malformedEnvelope] ?? 0) > 0 && (tally.rejected[.badSignature] ?? 0) > 0, "\(tally)")
    }

    @Test("12,000 generated command JSONs, validly signed: each accepted or rejected, none traps; values are checked")
    func generatedCommands() throws {
        var random = SplitMix64(seed: 0x5EED_0002)
        var security = ControlPlaneSecurity.signed(key)
        security.replayCacheCapacity = 20_000
        let verifier = try ControlCommandVerifier(security: security, now: { Self.now })
        var tally = FuzzTally()
        let times = Self.times
        for _ in 0..<12_000 {
            var payload = Array(Self.commandJSON(&random, times: times).utf8)
            if Int.random(in: 0..<4, using: &random) == 0 { payload = Self.mutate(payload, &random) }
            let sealed = ControlEnvelope.seal(payload, purpose: .command, key: key)
            tally.note { () throws(ControlMessageRejection) in try verifier.verify(sealed) }
        }
        #expect(tally.total == 12_000, "\(tally)")
        #expect(tally.accepted > 1_000 && tally.invalidValues > 100, "\(tally)")
        #expect(
            (tally.rejected[.malformedPayload] ?? 0) > 1_000 && (tally.rejected[.stale] ?? 0) > 0
                && (tally.rejected[.fromTheFuture] ?? 0) > 0, "\(tally)")
    }

    @Test("10,000 mutated replies and 10,000 key lists: each opened or refused, none traps")
    func repliesAndKeyLists() throws {
        var random = SplitMix64(seed: 0x5EED_0003)
        let security = ControlPlaneSecurity.signed(key)
        let reply = ControlReply(
            commandId: UUID(), instanceId: "pod-a",
            outcome: .status([
                ControlReply.ListenerSummary(
                    id: "orders", running: true, paused: false, pauseRequested: false, assignedPartitions: ["t-0"])
            ]))
        let replyBytes = Array(try JSONEncoder().encode(reply))
        var opened = 0
        var refused = 0
        for index in 0..<10_000 {
            let payload = index % 2 == 0 ? Self.mutate(replyBytes, &random) : replyBytes
            let sealed = ControlEnvelope.seal(payload, purpose: .reply, key: key)
            let message = index % 3 == 0 ? sealed : Self.mutate(sealed, &random)
            do {
                let bytes = try ControlEnvelope.open(message, purpose: .reply, security: security)
                if (try? JSONDecoder().decode(ControlReply.self, from: Data(bytes))) != nil {
                    opened += 1
                } else {
                    refused += 1
                }
            } catch {
                refused += 1
            }
        }
        #expect(opened + refused == 10_000 && opened > 1_000 && refused > 1_000, "opened \(opened), refused \(refused)")

        let line = key.exportedLine()
        var parsed = 0
        var failed = 0
        for _ in 0..<10_000 {
            let text = String(decoding: Self.mutate(Array(line.utf8), &random), as: UTF8.self)
            if (try? ControlPlaneKey.parseList(text, source: "fuzz")) != nil { parsed += 1 } else { failed += 1 }
        }
        #expect(parsed + failed == 10_000 && failed > 1_000, "parsed \(parsed), failed \(failed)")
    }
}
