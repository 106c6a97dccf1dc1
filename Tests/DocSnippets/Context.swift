import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Logging

// What the code blocks of README.md and Docs/ take as given: the application's own types and functions. The blocks
// themselves are written next to this file by `make doc-snippets` (scripts/doc-snippets.py), compiled, and removed;
// nothing here runs.

/// An order, carried as JSON.
struct Order: JSONPayload, Equatable {
    var id: Int
    var amount: Int
}

/// An invoice, carried as JSON.
struct Invoice: JSONPayload {
    var number: String
}

/// A refund, carried as JSON.
struct Refund: JSONPayload {
    var orderId: Int
}

/// A payment, carried as JSON.
struct Payment: JSONPayload {
    var orderId: Int
    var amount: Int
}

/// An order no retry can fix.
struct InvalidOrder: NotRetryableError {
    var id: Int
}

/// A warehouse that cannot be reached.
struct WarehouseDown: Error {}

/// What the warehouse answers.
enum Reservation: Sendable {
    case reserved
    case busy
}

/// A service a listener calls.
struct ShippingClient: Sendable {
    func ship(_ order: Order) async throws {}
}

/// A store a listener writes to.
struct InvoiceStore: Sendable {
    func add(_ order: Order) async throws {}
}

/// The application's feature switches.
struct FeatureFlags: Sendable {
    var shipping: Bool
}

/// Ships what a record describes.
func ship(_ record: ConsumerRecord) async throws {}

/// Saves a record.
func save(_ record: ConsumerRecord) async throws {}

/// Tells someone about a dead letter.
func alert(_ info: DeadLetterInfo) {}

/// The shared test cluster, as the integration tests in `Docs/Testing.md` use it.
let kafka = TestKafka.shared

/// The types of the names a block may use without declaring them (`configuration`, `registry`, `logger`, ...), which
/// become parameters of the block's function: through these aliases a block with its own imports needs no more.
enum DocContext {
    typealias FeatureFlags = DocSnippets.FeatureFlags
    typealias InvoiceStore = DocSnippets.InvoiceStore
    typealias KafkaConfiguration = KafkaClient.KafkaConfiguration
    typealias KafkaProducer = KafkaClient.KafkaProducer
    typealias ListenerEndpoint = KafkaListeners.ListenerEndpoint
    typealias ListenerRegistry = KafkaListeners.ListenerRegistry
    typealias Logger = Logging.Logger
    typealias PauseService = KafkaListeners.PauseService
    typealias ShippingClient = DocSnippets.ShippingClient
    typealias String = Swift.String
    typealias TestKafka = KafkaListenersTesting.TestKafka
}
