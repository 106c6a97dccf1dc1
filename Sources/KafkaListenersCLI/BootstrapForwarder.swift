import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
import KafkaListenersCLICore
#endif

/// Forwards TCP connections from `127.0.0.1:<port>` to one broker, so a fixed bootstrap address reaches
/// a mock cluster whose brokers listen on ports librdkafka picks.
///
/// Only bootstrapping goes through it: the metadata a client fetches names the brokers' own addresses,
/// and the client connects to those next. Blocking sockets on threads of their own (an accept thread, two
/// copy threads per connection); nothing runs on Swift's cooperative pool.
final class BootstrapForwarder: Sendable {
    private let listener: Int32

    /// Listens on `127.0.0.1:port` and forwards to `target` (`host:port`, IPv4 or `localhost`).
    ///
    /// - Throws: ``CLIFailure`` when the port is taken or the target cannot be parsed.
    init(port: Int, target: String) throws {
        guard let colon = target.lastIndex(of: ":"), let targetPort = UInt16(target[target.index(after: colon)...])
        else {
            throw CLIFailure(message: "cannot forward to '\(target)': not host:port")
        }
        let host = String(target[..<colon])
        var targetAddress = sockaddr_in()
        targetAddress.sin_family = sa_family_t(AF_INET)
        targetAddress.sin_port = targetPort.bigEndian
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &targetAddress.sin_addr) == 1 else {
            throw CLIFailure(message: "cannot forward to '\(target)': not an IPv4 address")
        }
        guard let listenPort = UInt16(exactly: port), listenPort > 0 else {
            throw CLIFailure(message: "cannot listen on port \(port): a port is 1…65535")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIFailure(message: "cannot open a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = listenPort.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw CLIFailure(message: "cannot listen on 127.0.0.1:\(port): \(reason)")
        }
        listener = fd
        let destination = targetAddress
        let acceptor = Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return  // the listener was shut down
                }
                Self.forward(client, to: destination)
            }
        }
        acceptor.name = "bootstrap-forwarder"
        acceptor.start()
    }

    /// Connects to the broker and copies bytes both ways until either side closes.
    private static func forward(_ client: Int32, to destination: sockaddr_in) {
        var destination = destination
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &destination) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard upstream >= 0, connected == 0 else {
            if upstream >= 0 { close(upstream) }
            close(client)
            return
        }
        // Both sockets are closed once, by whichever copy thread finishes second.
        let pair = SocketPair(client: client, upstream: upstream)
        for (from, to) in [(client, upstream), (upstream, client)] {
            let copier = Thread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = read(from, &buffer, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    var written = 0
                    while written < count {
                        let result = buffer.withUnsafeBytes { write(to, $0.baseAddress! + written, count - written) }
                        if result < 0 && errno == EINTR { continue }
                        if result <= 0 { break }
                        written += result
                    }
                    if written < count { break }
                }
                shutdown(to, Int32(SHUT_WR))
                shutdown(from, Int32(SHUT_RD))
                pair.copierFinished()
            }
            copier.start()
        }
    }

    /// Stops accepting connections (open ones end when their peers close).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

/// The two sockets of one forwarded connection; closed when both copy directions are done.
private final class SocketPair: Sendable {
    let client: Int32
    let upstream: Int32
    private let done = Atomic<Int>(0)

    init(client: Int32, upstream: Int32) {
        self.client = client
        self.upstream = upstream
    }

    func copierFinished() {
        if done.add(1, ordering: .acquiringAndReleasing).newValue == 2 {
            close(client)
            close(upstream)
        }
    }
}
