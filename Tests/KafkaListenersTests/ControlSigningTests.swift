import Foundation
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let value: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { value = Mutex(start) }

    var now: Date { value.withLock { $0 } }

    func advance(_ seconds: TimeInterval) { value.withLock { $0 += seconds } }
}

/// The envelope's JSON fields, for tests that build or take apart messages by hand.
struct WireEnvelope: Codable {
    var v: Int
    var kid: String?
    var sig: String?
    var payload: String
}

@Suite("Control-plane signatures, freshness and replay (no broker)", .timeLimit(.minutes(1)))
struct ControlSigningTests {
    let key = ControlPlaneKey.generate()
    let clock = ManualClock()

    func verifier(_ security: ControlPlaneSecurity? = nil) throws -> ControlCommandVerifier {
        let clock = clock
        return try ControlCommandVerifier(security: security ?? .signed(key), now: { clock.now })
    }

    func command(
        _ action: ControlCommand.Action = .pause(listenerId: "orders", seconds: 30), age: TimeInterval = 0
    ) -> ControlCommand {
        ControlCommand(action, timestamp: clock.now - age)
    }

    /// The reason `message` is rejected for, or nil when it is accepted.
    func rejection(_ message: [UInt8], by verifier: ControlCommandVerifier) -> ControlMessageRejection.Reason? {
        do {
            _ = try verifier.verify(message)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("a signed, fresh, new command is accepted as it was sent")
    func accepted() throws {
        let verifier = try verifier()
        let sent = command()
        let received = try verifier.verify(try verifier.seal(sent))
        #expect(received.id == sent.id && received.action == sent.action)
        #expect(verifier.rememberedCommands == 1)
    }

    @Test("unsigned, wrong key, tampered, stale, future and replayed commands are rejected with the reason")
    func rejections() throws {
        let verifier = try verifier()
        let unsignedSealer = try self.verifier(.insecureNoAuthentication)
        #expect(rejection(try unsignedSealer.seal(command()), by: verifier) == .unsigned)

        // Another key with another id, and another key presented under this key's id.
        let other = try self.verifier(.signed(ControlPlaneKey.generate()))
        #expect(rejection(try other.seal(command()), by: verifier) == .unknownKey)
        let impostor = try self.verifier(
            .signed(ControlPlaneKey(id: key.id, secret: Array(repeating: UInt8(1), count: 32))))
        #expect(rejection(try impostor.seal(command()), by: verifier) == .badSignature)

        // One byte of the payload changed after signing (the listener id), signature kept.
        var wire = try JSONDecoder().decode(
            WireEnvelope.self, from: Data(try verifier.seal(command(.pause(listenerId: "orders", seconds: nil)))))
        let payload = try #require(Data(base64Encoded: wire.payload))
        let tampered = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "orders", with: "orderz")
        wire.payload = Data(tampered.utf8).base64EncodedString()
        #expect(rejection(Array(try JSONEncoder().encode(wire)), by: verifier) == .badSignature)

        // Freshness: 60 s plus 10 s skew allowed back, 10 s forward.
        #expect(rejection(try verifier.seal(command(age: 69)), by: verifier) == nil)
        #expect(rejection(try verifier.seal(command(age: 71)), by: verifier) == .stale)
        #expect(rejection(try verifier.seal(command(age: -9)), by: verifier) == nil)
        #expect(rejection(try verifier.seal(command(age: -11)), by: verifier) == .fromTheFuture)
        #expect(rejection(try verifier.seal(command(age: 10 * 365 * 86_400)), by: verifier) == .stale)

        // Replay: the same signed bytes twice, and a new signature over the same command id.
        let first = command()
        let sealed = try verifier.seal(first)
        #expect(rejection(sealed, by: verifier) == nil)
        #expect(rejection(sealed, by: verifier) == .replayed)
        #expect(rejection(try verifier.seal(first), by: verifier) == .replayed)
        let unsignedReplay = try unsignedSealer.seal(first)
        #expect(
            rejection(unsignedReplay, by: verifier) == .unsigned,
            "an unsigned copy is refused before the replay cache is asked")

        // Neither rejection for an unauthenticated message took a place in the cache.
        #expect(verifier.rememberedCommands == 3)
    }

    @Test("a signed reply cannot pass as a command, nor a signed command as a reply")
    func purposes() throws {
        let verifier = try verifier()
        let replyBytes = Array(
            try JSONEncoder().encode(ControlReply(commandId: UUID(), instanceId: "pod", outcome: .applied)))
        let sealedReply = ControlEnvelope.seal(replyBytes, purpose: .reply, key: key)
        #expect(throws: ControlMessageRejection.self) {
            try ControlEnvelope.open(sealedReply, purpose: .command, security: .signed(key))
        }
        #expect(try ControlEnvelope.open(sealedReply, purpose: .reply, security: .signed(key)) == replyBytes)
        let sealedCommand = try verifier.seal(command())
        #expect(throws: ControlMessageRejection.self) {
            try ControlEnvelope.open(sealedCommand, purpose: .reply, security: .signed(key))
        }
    }

    @Test("key rotation: a command signed by the second key is accepted; new signatures use the first key")
    func rotation() throws {
        let old = try ControlPlaneKey.generate(id: "2024-old")
        let new = try ControlPlaneKey.generate(id: "2025-new")
        let rotated = try verifier(.signed([new, old]))
        let oldSigner = try verifier(.signed(old))
        #expect(rejection(try oldSigner.seal(command()), by: rotated) == nil)

        let sealed = try rotated.seal(command())
        let wire = try JSONDecoder().decode(WireEnvelope.self, from: Data(sealed))
        #expect(wire.kid == "2025-new" && wire.v == 1)
        let newOnly = try verifier(.signed(new))
        #expect(rejection(sealed, by: newOnly) == nil)
        #expect(rejection(sealed, by: oldSigner) == .unknownKey)
    }

    @Test("oversize messages and garbage are rejected unread; a signed payload that is no command is malformed")
    func garbage() throws {
        let verifier = try verifier()
        #expect(rejection(Array(repeating: UInt8(ascii: " "), count: 65_537), by: verifier) == .oversize)
        #expect(rejection([], by: verifier) == .malformedEnvelope)
        #expect(rejection(Array("not a command".utf8), by: verifier) == .malformedEnvelope)
        #expect(rejection(Array(#"{"v":2,"payload":""}"#.utf8), by: verifier) == .unsupportedVersion)
        #expect(rejection(Array(#"{"v":1,"payload":"%%%"}"#.utf8), by: verifier) == .malformedEnvelope)
        #expect(
            rejection(Array(#"{"v":1,"kid":"\#(key.id)","sig":"AAAA","payload":""}"#.utf8), by: verifier)
                == .badSignature)
        #expect(
            rejection(ControlEnvelope.seal(Array("[1,2,3]".utf8), purpose: .command, key: key), by: verifier)
                == .malformedPayload)
        // Numbers beyond what the fields hold fail decoding, never trap.
        let huge =
            #"{"id":"\#(UUID())","timestamp":"2030-01-01T00:00:00Z","action":{"setMaxConcurrency":{"listenerId":"a","value":99999999999999999999999}}}"#
        #expect(
            rejection(ControlEnvelope.seal(Array(huge.utf8), purpose: .command, key: key), by: verifier)
                == .malformedPayload)
    }

    @Test("out-of-range values are named: concurrency, pause length, seek time, listener id")
    func values() {
        let failures: [(ControlCommand.Action, String)] = [
            (
                .setMaxConcurrency(listenerId: "pp", value: .max),
                "maxConcurrency must be at least 1 and at most 100000, got \(Int.max)"
            ),
            (.setMaxConcurrency(listenerId: "pp", value: -1), "got -1"),
            (.setMaxConcurrency(listenerId: "pp", value: 0), "at least 1"),
            (.pause(listenerId: "orders", seconds: .infinity), "a pause must last"),
            (.pause(listenerId: "orders", seconds: .nan), "a pause must last"),
            (.pause(listenerId: "orders", seconds: -1), "a pause must last"),
            (.pause(listenerId: "orders", seconds: 1e300), "a pause must last"),
            (.seekToTimestamp(listenerId: "orders", milliseconds: -1), "a seek time must be"),
            (.seekToTimestamp(listenerId: "orders", milliseconds: .max), "a seek time must be"),
            (.resume(listenerId: ""), "the listener id is empty"),
            (.resume(listenerId: String(repeating: "x", count: 5_000)), "5000 bytes long"),
            (.stop(listenerId: "a\u{0}b"), "control characters"),
        ]
        for (action, expected) in failures {
            #expect(
                action.validationFailure?.contains(expected) == true,
                "\(action): \(String(describing: action.validationFailure))")
        }
        for action: ControlCommand.Action in [
            .setMaxConcurrency(listenerId: "pp", value: 100_000), .pause(listenerId: "orders", seconds: 0),
            .pause(listenerId: "orders", seconds: nil),
            .seekToTimestamp(listenerId: "orders", milliseconds: 0), .status(listenerId: nil),
            .seek(listenerId: "orders", to: .earliest),
        ] {
            #expect(action.validationFailure == nil, "\(action)")
        }
    }

    @Test("the replay cache is bounded: full of fresh ids it refuses, and makes room as ids expire")
    func boundedReplayCache() throws {
        var security = ControlPlaneSecurity.signed(key)
        security.replayCacheCapacity = 3
        let verifier = try verifier(security)
        for _ in 0..<3 { #expect(rejection(try verifier.seal(command()), by: verifier) == nil) }
        #expect(rejection(try verifier.seal(command()), by: verifier) == .replayCacheFull)
        #expect(verifier.rememberedCommands == 3)
        clock.advance(81)  // past 60 s + 2 × 10 s skew: the three ids expire
        #expect(rejection(try verifier.seal(command()), by: verifier) == nil)
        #expect(verifier.rememberedCommands == 1)
    }

    @Test("keys never show their secret: description, debug description, dump, security description, key-list errors")
    func redaction() throws {
        let secret = key.exportedBase64()
        var dumped = ""
        dump(key, to: &dumped)
        var dumpedSecurity = ""
        dump(ControlPlaneSecurity.signed(key), to: &dumpedSecurity)
        for text in ["\(key)", String(reflecting: key), dumped, "\(ControlPlaneSecurity.signed(key))", dumpedSecurity] {
            #expect(!text.contains(secret) && text.contains(key.id), "\(text)")
        }
        // A bad item is named by number and source, never quoted.
        let texts = [
            "ops:NotBase64Secret!!", "ops:" + Data(repeating: 9, count: 8).base64EncodedString(), "bad id:" + secret,
        ]
        for text in texts {
            do {
                _ = try ControlPlaneKey.parseList(text, source: "the test")
                Issue.record("accepted \(text)")
            } catch {
                #expect(!"\(error)".contains(text.split(separator: ":").last ?? ""), "\(error)")
                #expect("\(error)".contains("key 1 in the test"), "\(error)")
            }
        }
        #expect(throws: ControlPlaneKeyError.self) { try ControlPlaneKey.parseList("# only a comment\n", source: "x") }
        #expect(throws: ControlPlaneKeyError.self) {
            try ControlPlaneKey.parseList("a:\(secret)\na:\(secret)", source: "x")
        }
    }

    @Test("key lists: ID:BASE64 or BASE64 per line or comma, comments skipped, round trip through exportedLine")
    func keyLists() throws {
        let second = ControlPlaneKey.generate()
        let keys = try ControlPlaneKey.parseList(
            "# fleet keys\n\(key.exportedLine())\n\n\(second.exportedBase64())", source: "x")
        #expect(keys.map(\.id) == [key.id, second.id], "a bare secret gets the id derived from it")
        let commaSeparated = try ControlPlaneKey.parseList(
            "\(key.exportedLine()),\(second.exportedLine())", source: "x")
        let verifier = try verifier(.signed(commaSeparated))
        let original = try self.verifier(.signed(second))
        #expect(rejection(try original.seal(command()), by: verifier) == nil)
        #expect(throws: ControlPlaneKeyError.self) {
            try ControlPlaneKey(id: "with space", secret: Array(repeating: UInt8(0), count: 32))
        }
        #expect(throws: ControlPlaneKeyError.self) {
            try ControlPlaneKey(secret: Array(repeating: UInt8(0), count: 31))
        }
    }

    @Test("a flood of rejections is logged as a few lines: at most 10 per interval, the rest counted and summed up")
    func rateLimitedLog() {
        let capture = LogCapture()
        let log = RejectionLog(logger: capture.logger("test.rejections"), burst: 10, interval: .seconds(3_600))
        for index in 0..<1_000 {
            log.note(
                ControlMessageRejection(index.isMultiple(of: 2) ? .unsigned : .badSignature, "forged"),
                at: "control-0@\(index)")
        }
        let lines = capture.lines(atLeast: .warning)
        #expect(lines.count == 10, "\(lines)")
        #expect(log.counts == [.unsigned: 500, .badSignature: 500])
        #expect(lines.first?.message == "control message rejected at control-0@0, not applied: unsigned: forged")

        // A new interval: the next line says how many went unlogged.
        let short = RejectionLog(logger: capture.logger("test.rejections"), burst: 1, interval: .milliseconds(1))
        short.note(ControlMessageRejection(.stale, "old"), at: "a")
        short.note(ControlMessageRejection(.stale, "old"), at: "b")
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(2) {}
        short.note(ControlMessageRejection(.stale, "old"), at: "c")
        #expect(
            capture.lines(atLeast: .warning).last?.message.hasSuffix("(1 more rejected before, not logged one by one)")
                == true)
    }

    @Test("security settings out of range are refused")
    func settings() {
        var security = ControlPlaneSecurity.signed(key)
        security.maxAge = .zero
        #expect(throws: ControlPlaneKeyError.self) { try security.validate() }
        security = .signed(key)
        security.allowedClockSkew = .seconds(-1)
        #expect(throws: ControlPlaneKeyError.self) { try security.validate() }
        security = .signed(key)
        security.replayCacheCapacity = 0
        #expect(throws: ControlPlaneKeyError.self) { try security.validate() }
        security = .signed(key)
        security.maxMessageBytes = .max
        #expect(throws: ControlPlaneKeyError.self) { try security.validate() }
        #expect(throws: ControlPlaneKeyError.self) { try ControlPlaneSecurity.signed([]).validate() }
    }
}
