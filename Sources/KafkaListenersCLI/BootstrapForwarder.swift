import KafkaListenersCLICore
import NIOCore
import NIOPosix

/// Forwards TCP connections from `127.0.0.1:<port>` to one broker, so a fixed bootstrap address reaches
/// a mock cluster whose brokers listen on ports librdkafka picks.
///
/// Only bootstrapping goes through it: the metadata a client fetches names the brokers' own addresses,
/// and the client connects to those next. Built on SwiftNIO: each accepted connection gets a connection to the
/// broker on the same event loop, and the two are glued by ``ForwardingGlueHandler`` (bytes both ways, a side's reads
/// held while the other cannot take more, both closed when either closes). Nothing runs on Swift's cooperative pool.
final class BootstrapForwarder: Sendable {
    private let listener: any Channel

    private init(listener: any Channel) {
        self.listener = listener
    }

    /// Listens on `127.0.0.1:port` and forwards to `target` (`host:port`, an IPv4 address or `localhost`).
    ///
    /// - Throws: ``CLIFailure`` when the port is taken or the target cannot be parsed.
    static func start(
        port: Int, target: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> BootstrapForwarder {
        let destination = try parseTarget(target)
        guard let listenPort = UInt16(exactly: port), listenPort > 0 else {
            throw CLIFailure(message: "cannot listen on port \(port): a port is 1…65535")
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 64)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { inbound in
                // The accepted channel is registered (and starts reading) only once this future succeeds, so no
                // byte arrives before the glue is in place. A failed connect closes the accepted connection.
                ClientBootstrap(group: inbound.eventLoop)
                    .connectTimeout(.seconds(10))
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(to: destination)
                    .flatMapThrowing { outbound in
                        let (inboundSide, outboundSide) = ForwardingGlueHandler.matchedPair()
                        do {
                            try inbound.pipeline.syncOperations.addHandler(inboundSide)
                            try outbound.pipeline.syncOperations.addHandler(outboundSide)
                        } catch {
                            outbound.close(promise: nil)
                            throw error
                        }
                    }
            }
        do {
            let listener = try await bootstrap.bind(host: "127.0.0.1", port: Int(listenPort)).get()
            return BootstrapForwarder(listener: listener)
        } catch {
            throw CLIFailure(message: "cannot listen on 127.0.0.1:\(port): \(error)")
        }
    }

    /// The broker address of `target` (`host:port`, an IPv4 address or `localhost`).
    static func parseTarget(_ target: String) throws -> SocketAddress {
        guard let colon = target.lastIndex(of: ":"), let targetPort = UInt16(target[target.index(after: colon)...])
        else {
            throw CLIFailure(message: "cannot forward to '\(target)': not host:port")
        }
        let host = String(target[..<colon])
        guard
            let address = try? SocketAddress(
                ipAddress: host == "localhost" ? "127.0.0.1" : host, port: Int(targetPort)),
            address.protocol == .inet
        else {
            throw CLIFailure(message: "cannot forward to '\(target)': not an IPv4 address")
        }
        return address
    }

    /// The port it listens on.
    var port: Int? { listener.localAddress?.port }

    /// Stops accepting connections (open ones end when their peers close).
    func stop() async {
        try? await listener.close()
    }
}
