import KafkaClient
import KafkaListeners

// The application code the tests exercise: a typed, manually acknowledged listener with a dead-letter topic.

struct Order: JSONPayload, Equatable {
    var id: Int
    var amount: Int
}

/// An order no retry can fix.
struct InvalidOrder: NotRetryableError, CustomStringConvertible {
    var id: Int
    var description: String { "order \(id) has no amount" }
}

/// What the warehouse answers.
enum Reservation: Sendable {
    case reserved
    case busy
}

/// Orders are reserved in the warehouse and acknowledged; a busy warehouse gets the order again in 5 s (nack);
/// a failing one is retried twice, 1 s apart, then the order goes to `orders.DLT`.
func orderListener(
    deadLetters: DeadLetterPublisher,
    reserve: @escaping @Sendable (Order, _ tenant: String?) async throws -> Reservation
) -> some ListenerDeclaration {
    Listen("orders", topics: "orders", ackMode: .manual) { (order: TypedRecord<String, Order>, context) in
        guard order.value.amount > 0 else { throw InvalidOrder(id: order.value.id) }
        switch try await reserve(order.value, try order.headers.value("tenant", as: String.self)) {
        case .reserved: context.acknowledgment.acknowledge()
        case .busy: try context.acknowledgment.nack(sleep: .seconds(5))
        }
    }
    .errorHandler(ErrorHandler(backOff: .fixed(.seconds(1), maxAttempts: 3), recoverer: .deadLetter(deadLetters)))
}
