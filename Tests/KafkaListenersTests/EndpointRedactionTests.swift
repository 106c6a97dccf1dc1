import Testing

@testable import KafkaListeners

@Suite("An endpoint prints no secret", .timeLimit(.minutes(1)))
struct EndpointRedactionTests {
    @Test("description, debugDescription and dump show [redacted] for secret consumer properties, and the rest as set")
    func redacted() {
        let endpoint = ListenerEndpoint(
            id: "orders", selection: .topics(["orders"]), listener: .record { _, _ in },
            consumerProperties: [
                "sasl.password": "hunter2-secret", "ssl.key.password": "other-secret", "fetch.min.bytes": "1",
            ])
        var dumped = ""
        dump(endpoint, to: &dumped)
        for text in [
            endpoint.description, endpoint.debugDescription, "\(endpoint)", String(reflecting: endpoint), dumped,
        ] {
            #expect(!text.contains("hunter2") && !text.contains("other-secret"), "\(text)")
            #expect(text.contains("fetch.min.bytes") && text.contains("[redacted]"), "\(text)")
        }
    }
}
