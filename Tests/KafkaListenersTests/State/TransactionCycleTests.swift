import KafkaClient
import Testing

@testable import KafkaListeners

@Suite("Transaction cycle (no broker)", .timeLimit(.minutes(1)))
struct TransactionCycleTests {
    @Test("initialize once, then begin, deliver, commit for every poll")
    func ordinaryPolls() {
        var cycle = TransactionCycle()
        #expect(cycle.pollReady() == .initialize)
        #expect(cycle.initialized() == .begin)
        #expect(cycle.begun() == .deliver)
        #expect(cycle.isOpen)
        #expect(cycle.handled() == .commit)
        #expect(!cycle.isOpen, "no send once the commit is under way")
        cycle.committed()
        #expect(cycle.state == .idle)
        #expect(cycle.pollReady() == .begin, "initialized once only")
        #expect(cycle.begun() == .deliver)
    }

    @Test("a listener failure aborts, and the abort rewinds the poll")
    func listenerFailureAborts() {
        var cycle = started()
        #expect(cycle.listenerFailed() == .abort)
        #expect(cycle.state == .aborting(attempt: 1))
        #expect(cycle.aborted() == .rewind)
        #expect(cycle.pollReady() == .begin)
    }

    @Test("a retriable commit failure is retried up to the limit, then the transaction aborts")
    func retriableCommit() {
        var cycle = started(maxAttempts: 3)
        #expect(cycle.handled() == .commit)
        #expect(cycle.failed(.commit, .retriable, reason: "timed out") == .retryCommit)
        #expect(cycle.failed(.commit, .retriable, reason: "timed out") == .retryCommit)
        #expect(cycle.failed(.commit, .retriable, reason: "timed out") == .abort, "three attempts in all")
        #expect(cycle.aborted() == .rewind)
    }

    @Test("an abortable failure of the commit or of sending offsets aborts at once")
    func abortableFailures() {
        var cycle = started()
        _ = cycle.handled()
        #expect(cycle.failed(.commit, .abortable, reason: "x") == .abort)
        #expect(cycle.aborted() == .rewind)
        #expect(cycle.pollReady() == .begin)
        _ = cycle.begun()
        _ = cycle.handled()
        #expect(cycle.failed(.sendOffsets, .other, reason: "x") == .abort)
    }

    @Test("a fatal failure at any step stops, once; nothing is tried afterwards")
    func fatalStops() {
        for step in [TransactionStep.initialize, .begin, .sendOffsets, .commit, .abort] {
            var cycle = started()
            #expect(cycle.failed(step, .fatal, reason: "fenced") == .stop(reason: "fenced"), "\(step)")
            #expect(cycle.state == .fenced("fenced"))
            #expect(cycle.failed(step, .fatal, reason: "again") == .nothing, "reported once")
            #expect(cycle.pollReady() == .nothing)
            #expect(cycle.begun() == .nothing)
            #expect(cycle.handled() == .nothing)
        }
    }

    @Test("a failed initialize or begin rewinds and is tried again at the next poll")
    func initializeAndBeginFailures() {
        var cycle = TransactionCycle()
        #expect(cycle.pollReady() == .initialize)
        #expect(cycle.failed(.initialize, .retriable, reason: "coordinator") == .rewind)
        #expect(cycle.pollReady() == .initialize, "initialized again")
        #expect(cycle.initialized() == .begin)
        #expect(cycle.failed(.begin, .other, reason: "state") == .rewind)
        #expect(cycle.pollReady() == .begin)
    }

    @Test("an abort that keeps failing stops the container; a retriable one is retried first")
    func abortFailures() {
        var cycle = started(maxAttempts: 2)
        _ = cycle.listenerFailed()
        #expect(cycle.failed(.abort, .retriable, reason: "timed out") == .abort)
        let action = cycle.failed(.abort, .retriable, reason: "timed out")
        guard case .stop(let reason) = action else {
            Issue.record("expected a stop, got \(action)")
            return
        }
        #expect(reason.contains("could not be aborted"))
    }

    @Test("a transaction left open (a cancelled call) is aborted before the next one begins")
    func leftOpen() {
        var cycle = started()
        #expect(cycle.pollReady() == .abort)
        #expect(cycle.aborted() == .rewind)
        #expect(cycle.pollReady() == .begin)
    }

    @Test("closing the producer resets the cycle: the next run initializes again")
    func reset() {
        var cycle = started()
        _ = cycle.failed(.commit, .fatal, reason: "fenced")
        cycle.reset()
        #expect(cycle.pollReady() == .initialize)
    }

    @Test("librdkafka's verdicts map to failures: fatal and fenced first, then abortable, then retriable")
    func failureMapping() {
        func error(code: Int32?, retriable: Bool = false, fatal: Bool = false, abort: Bool = false) -> KafkaError {
            KafkaError(
                kind: .broker, code: code, message: "m", operation: "o", isRetriable: retriable, isFatal: fatal,
                requiresTransactionAbort: abort)
        }
        #expect(TransactionCycle.Failure(error(code: 1, fatal: true, abort: true)) == .fatal)
        #expect(TransactionCycle.Failure(error(code: 90)) == .fatal, "PRODUCER_FENCED")
        #expect(TransactionCycle.Failure(error(code: 47)) == .fatal, "INVALID_PRODUCER_EPOCH")
        #expect(TransactionCycle.Failure(error(code: -144)) == .fatal, "_FENCED")
        #expect(TransactionCycle.Failure(error(code: 48, retriable: true, abort: true)) == .abortable)
        #expect(TransactionCycle.Failure(error(code: 7, retriable: true)) == .retriable)
        #expect(TransactionCycle.Failure(error(code: nil)) == .other)
    }

    @Test("seeded random event sequences: a commit never follows an abort without a new begin; fenced is final")
    func randomSequences() {
        var random = SplitMix(seed: 0x7A11_5EED)
        let failures: [TransactionCycle.Failure] = [.fatal, .abortable, .retriable, .other]
        let steps: [TransactionStep] = [.initialize, .begin, .sendOffsets, .commit, .abort]
        for _ in 0..<2_000 {
            var cycle = TransactionCycle(maxAttempts: Int(random.next() % 4) + 1)
            var fenced = false
            var open = false
            for _ in 0..<40 {
                let before = cycle.state
                switch random.next() % 8 {
                case 0: _ = cycle.pollReady()
                case 1: _ = cycle.initialized()
                case 2: if cycle.begun() == .deliver { open = true }
                case 3:
                    let action = cycle.handled()
                    #expect(action == .nothing || open, "commit without an open transaction from \(before)")
                    open = false
                case 4: cycle.committed()
                case 5: if cycle.listenerFailed() == .abort { open = false }
                case 6: _ = cycle.aborted()
                default:
                    let step = steps[Int(random.next() % UInt64(steps.count))]
                    let failure = failures[Int(random.next() % UInt64(failures.count))]
                    if case .stop = cycle.failed(step, failure, reason: "r") { fenced = true }
                }
                if !cycle.isOpen { open = false }
                if fenced {
                    guard case .fenced = cycle.state else {
                        Issue.record("left the fenced state after \(before)")
                        return
                    }
                }
            }
        }
    }

    private func started(maxAttempts: Int = 3) -> TransactionCycle {
        var cycle = TransactionCycle(maxAttempts: maxAttempts)
        _ = cycle.pollReady()
        _ = cycle.initialized()
        _ = cycle.begun()
        return cycle
    }
}

/// A small seeded generator (SplitMix64), so the random sequences are the same on every run.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
