import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersAdmin
import KafkaListenersTesting
import ServiceLifecycle
import Synchronization
import Testing

let kafka = TestKafka.shared

/// A running admin server on a free loopback port, over a registry with listener `orders` (2 partitions).
struct AdminFixture {
    let registry: ListenerRegistry
    let server: ListenerAdminServer
    let task: Task<Void, Error>
    let port: Int
    let topic: String

    static func start(
        token: String? = nil, fleet: ControlPlaneClient? = nil, fleetSize: Int = 1, partitions: Int32 = 2,
        handler: @escaping @Sendable (ConsumerRecord) -> Void = { _ in }
    ) async throws -> AdminFixture {
        let topic = try await kafka.topic("admin-http", partitions: partitions)
        let registry = ListenerRegistry(
            baseConfiguration: kafka.configuration(["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]))
        try registry.register(
            ListenerEndpoint(
                id: "orders", selection: .topics([topic]), listener: .record { record, _ in handler(record) },
                groupId: kafka.unique("admin"),
                pollTimeout: .milliseconds(20)))
        try await registry.startAll()
        try await waitUntil("assigned", observed: { "\(registry.status)" }) {
            !registry.status[0].children[0].assignedPartitions.isEmpty
        }
        let server = ListenerAdminServer(
            registry: registry, pauses: PauseService(registry: registry), fleet: fleet,
            configuration: .init(port: 0, bearerToken: token, fleetSize: fleetSize))
        let task = Task { try await server.run() }
        return AdminFixture(
            registry: registry, server: server, task: task, port: try await server.port(timeout: .seconds(60)),
            topic: topic)
    }

    /// Makes a request with the real `curl` client (run as a child process, no dispatch sources involved).
    func request(_ method: String, _ path: String, token: String? = nil) async throws -> (status: Int, json: Any?) {
        var arguments = [
            "-s", "-S", "-X", method, "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)",
        ]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        let curl = try ChildProcess(
            executable: Self.curlPath, arguments: arguments, environment: ["PATH": "/usr/bin:/bin"])
        try await waitUntil("curl \(method) \(path) finishes", timeout: .seconds(30), observed: { curl.text }) {
            curl.exitCode != nil
        }
        // The reader thread may still be draining the pipe after the exit: wait for the status line.
        try await waitUntil("curl's status code", timeout: .seconds(5), observed: { curl.text }) {
            curl.text.split(separator: "\n").last.flatMap { Int($0) } != nil
        }
        let lines = curl.text.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        let body = lines.dropLast().joined(separator: "\n")
        return (status, try? JSONSerialization.jsonObject(with: Data(body.utf8)))
    }

    static let curlPath =
        ["/usr/bin/curl", "/bin/curl", "/usr/local/bin/curl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? "/usr/bin/curl"

    func stop() async {
        task.cancel()
        _ = try? await task.value
        await registry.stopAll()
    }
}

@Suite("HTTP admin over a real loopback socket", .timeLimit(.minutes(5)))
struct AdminServerTests {
    @Test("every route, and 400/404 with JSON errors")
    func routes() async throws {
        let fixture = try await AdminFixture.start()
        try await kafka.produce(6, to: fixture.topic)
        // Lag: the listener commits what it handles, so it falls to 0.
        try await waitUntil(
            "lag 0 over both partitions",
            observed: { "\(String(describing: try? await fixture.request("GET", "/listeners").json))" }
        ) {
            let listeners = try await fixture.request("GET", "/listeners").json as? [[String: Any]]
            return (listeners?.first?["lag"] as? Int) == 0
                && ((listeners?.first?["partitionLag"] as? [String: Any])?.count ?? 0) > 0
        }
        var (status, json) = try await fixture.request("GET", "/listeners")
        #expect(status == 200)
        let listeners = try #require(json as? [[String: Any]])
        #expect(listeners.first?["id"] as? String == "orders")
        #expect((listeners.first?["children"] as? [[String: Any]])?.first?["id"] as? String == "orders-0")

        (status, json) = try await fixture.request("PUT", "/listeners/orders/pause?for=30s")
        #expect(status == 200)
        #expect((json as? [String: Any])?["changed"] as? Bool == true)
        #expect(((json as? [String: Any])?["resumeInSeconds"] as? Double ?? 0) > 25)
        (status, json) = try await fixture.request("GET", "/listeners")
        #expect((json as? [[String: Any]])?.first?["pauseRequested"] as? Bool == true)
        (status, json) = try await fixture.request("PUT", "/listeners/orders/resume")
        #expect(status == 200 && (json as? [String: Any])?["changed"] as? Bool == true)

        (status, json) = try await fixture.request(
            "PUT", "/listeners/orders/partitions/\(fixture.topic)/0/pause?for=500ms")
        #expect(status == 200, "\(String(describing: json))")

        (status, json) = try await fixture.request("PUT", "/listeners/nope/pause")
        #expect(status == 404)
        let error = (json as? [String: Any])?["error"] as? [String: Any]
        #expect(error?["message"] as? String == "no listener has id 'nope'")
        (status, _) = try await fixture.request("PUT", "/listeners/%20/pause")
        #expect(status == 400)
        (status, _) = try await fixture.request("PUT", "/listeners/orders/pause?for=soon")
        #expect(status == 400)
        (status, _) = try await fixture.request("PUT", "/listeners/orders/pause?scope=galaxy")
        #expect(status == 400)
        (status, _) = try await fixture.request("PUT", "/listeners/orders/partitions/elsewhere/0/pause")
        #expect(status == 404)
        await fixture.stop()
    }

    @Test("a configured bearer token is required: 401 without it")
    func bearerToken() async throws {
        let fixture = try await AdminFixture.start(token: "s3cret")
        #expect(try await fixture.request("GET", "/listeners").status == 401)
        #expect(try await fixture.request("GET", "/listeners", token: "wrong").status == 401)
        #expect(try await fixture.request("GET", "/listeners", token: "s3cret").status == 200)
        await fixture.stop()
    }

    @Test("scope=fleet goes through the control plane and returns the instances' replies")
    func fleetScope() async throws {
        let control = try await kafka.topic("admin-control", partitions: 1)
        let replies = try await kafka.topic("admin-replies", partitions: 1)
        let security = ControlPlaneSecurity.signed(ControlPlaneKey.generate())
        let client = try ControlPlaneClient(
            configuration: kafka.configuration(), security: security, controlTopic: control, replyTopic: replies)
        let fixture = try await AdminFixture.start(fleet: client)
        let plane = try ControlPlane(
            registry: fixture.registry, pauses: PauseService(registry: fixture.registry),
            configuration: kafka.configuration(),
            security: security, controlTopic: control, replyTopic: replies, instanceId: "pod-1")
        try await plane.start()
        let (status, json) = try await fixture.request("PUT", "/listeners/orders/pause?scope=fleet")
        #expect(status == 200)
        let replyList = try #require((json as? [String: Any])?["replies"] as? [[String: Any]])
        #expect(replyList.count == 1)
        #expect(replyList.first?["instanceId"] as? String == "pod-1")
        #expect(fixture.registry.status[0].isPauseRequested)
        await plane.stop()
        await client.close()
        await fixture.stop()
    }
}
