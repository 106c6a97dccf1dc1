import KafkaClient
import KafkaListeners
import Logging

extension DeadLetterPublisher {
    /// A publisher for listeners under a ``ListenerTestKit``: the kit builds its dead letters (and reports
    /// them) without sending them, so no broker is needed.
    ///
    /// Its producer is shared by the process and connected to no cluster: a dead letter actually published
    /// through it (outside the kit) fails once its message times out; nothing is ever sent.
    public static func unsent(
        destination: @escaping @Sendable (ConsumerRecord) -> String = { "\($0.topic).DLT" }
    ) -> DeadLetterPublisher {
        DeadLetterPublisher(producer: UnconnectedProducer.shared, destination: destination)
    }
}

/// The producer behind `DeadLetterPublisher.unsent(destination:)`.
private enum UnconnectedProducer {
    static let shared: KafkaProducer = {
        // No bootstrap servers: librdkafka never connects. Its warning about that is not for tests to see.
        let configuration = KafkaConfiguration(["message.timeout.ms": "5"])
        do {
            return try KafkaProducer(
                configuration: configuration,
                logger: Logger(label: "kafka.testing.unsent", factory: { _ in SwiftLogNoOpLogHandler() }))
        } catch {
            // The configuration is constant and valid: failing here is a librdkafka installation problem.
            fatalError("cannot create an unconnected producer: \(error)")
        }
    }()
}
