import KafkaClient
import Testing

@testable import KafkaListeners

/// Which form `.record { … }` takes: a closure that never awaits becomes a synchronous listener (no async call per
/// record), one that awaits stays async; both handle a record the same way.
@Suite("Record listener closures: synchronous when they never await", .timeLimit(.minutes(1)))
struct ListenerFormTests {
    static let record = ConsumerRecord(topic: "t", partition: 0, offset: 7, key: nil, value: Array("v".utf8))

    @Test("a closure without await is a synchronous listener; with await, an async one")
    func formFollowsTheClosure() {
        let sync = Listener.record { record, _ in _ = record.offset }
        let async = Listener.record { _, _ in try await Task.sleep(for: .zero) }
        let typed: Listener.RecordHandler = { _, _ in }
        #expect({ if case .syncRecord = sync { true } else { false } }())
        #expect({ if case .record = async { true } else { false } }())
        #expect({ if case .record = Listener.record(typed) { true } else { false } }())
    }

    @Test("either form is called through recordHandler with the record, and its throw comes out")
    func bothFormsHandle() async throws {
        struct Boom: Error {}
        let endpoint = ListenerEndpoint(id: "form", selection: .topics(["t"]), listener: .record { _, _ in })
        let context = ListenerCallRecorder(endpoint: endpoint).context(for: Self.record)
        for listener in [
            Listener.record { record, _ in if record.offset == 7 { throw Boom() } },
            Listener.record { record, _ in
                try await Task.sleep(for: .zero)
                if record.offset == 7 { throw Boom() }
            },
        ] {
            let handler = try #require(listener.recordHandler)
            await #expect(throws: Boom.self) { try await handler(Self.record, context) }
        }
    }
}
