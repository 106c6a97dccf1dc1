import KafkaClient
import Logging
import Synchronization

/// The one ``KafkaAdmin`` the admin server's requests share: made at the first request that needs it, closed when
/// the server stops (later requests get none).
final class SharedKafkaAdmin: Sendable {
    private enum State {
        case idle
        case open(KafkaAdmin)
        case closed
    }

    private let configuration: KafkaConfiguration
    private let logger: Logger
    private let state = Mutex<State>(.idle)

    /// A holder for an admin on `configuration`.
    init(configuration: KafkaConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The admin, made now if this is the first call; nil after ``close()`` or when it cannot be made (logged).
    func admin() -> KafkaAdmin? {
        state.withLock { state in
            switch state {
            case .open(let admin): return admin
            case .closed: return nil
            case .idle:
                do {
                    let admin = try KafkaAdmin(configuration: configuration, logger: logger)
                    state = .open(admin)
                    return admin
                } catch {
                    logger.warning("the admin server cannot make a Kafka admin client: \(error)")
                    return nil
                }
            }
        }
    }

    /// Closes the admin, if one was made; later ``admin()`` calls return nil.
    func close() async {
        let admin: KafkaAdmin? = state.withLock { state in
            defer { state = .closed }
            if case .open(let admin) = state { return admin }
            return nil
        }
        await admin?.close()
    }
}
