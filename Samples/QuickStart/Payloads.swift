import KafkaListeners

/// An order, carried as JSON.
struct Order: JSONPayload {
    var id: Int
    var customer: String
    var amount: Int
}

/// A payment, carried as JSON.
struct Payment: JSONPayload {
    var orderId: Int
    var amount: Int
}

/// A refund, carried as JSON (sent with the `__TypeId__: refund` header).
struct Refund: JSONPayload {
    var orderId: Int
    var reason: String
}
