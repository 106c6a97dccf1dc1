import KafkaListenersMacros

/// Style 1, a protocol: a typed record listener whose type describes its endpoint.
struct ShippingListener: RecordListener {
    let tally: Tally

    var endpoint: EndpointDescription { EndpointDescription(id: "shipping", topics: "orders", ackMode: .record) }

    func onRecord(_ record: TypedRecord<String, Order>, context: ListenerContext) async throws {
        tally.add(context.listenerId)
    }
}

/// Style 1b, a protocol with one handler per payload type (Spring's `@KafkaHandler` methods).
struct PaymentsListener: MultiPayloadListener {
    let tally: Tally

    var endpoint: EndpointDescription { EndpointDescription(id: "payments", topics: "payments") }

    var handlers: [PayloadHandler] {
        PayloadHandler(Refund.self, typeId: "refund") { _, context in tally.add(context.listenerId) }
        PayloadHandler(Payment.self) { _, context in tally.add(context.listenerId) }
    }
}

/// Style 3, the annotation: each `@KafkaListener` method becomes a listener.
@KafkaListeners
struct InvoicingListeners {
    let tally: Tally

    @KafkaListener(id: "invoicing", topics: "orders", concurrency: 2, ackMode: .count(100))
    func invoice(_ order: Order, context: ListenerContext) async throws {
        tally.add(context.listenerId)
    }
}
