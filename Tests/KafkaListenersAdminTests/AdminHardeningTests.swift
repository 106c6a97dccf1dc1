import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Testing

@testable import KafkaListenersAdmin

/// The error message of a JSON error body, `{"error":{"message":"…"}}`.
func errorMessage(_ json: Any?) -> String? {
    ((json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
}

@Suite("HTTP admin: hostile parameters and tokens over a real loopback socket", .timeLimit(.minutes(5)))
struct AdminHardeningTests {
    @Test(
        "odd, huge and badly encoded ids, bad topics and partition numbers: 400 or 404 with a JSON error; the server keeps serving"
    )
    func badParameters() async throws {
        let fixture = try await AdminFixture.start()
        let huge = String(repeating: "a", count: 10_000)
        let cases: [(path: String, status: Int, message: String)] = [
            ("/listeners/\(huge)/pause", 400, "the listener id is 10000 bytes long, more than 1024"),
            ("/listeners/\(huge)/resume", 400, "the listener id is 10000 bytes long"),
            ("/listeners/a%00b/pause", 400, "contains control characters"),
            ("/listeners/a%0Ab/resume", 400, "contains control characters"),
            ("/listeners/%zz/pause", 400, "is not valid percent-encoded UTF-8"),
            ("/listeners/%C3%28/pause", 400, "is not valid percent-encoded UTF-8"),
            ("/listeners/%/pause", 400, "is not valid percent-encoded UTF-8"),
            ("/listeners/%20%09/pause", 400, "the listener id is blank"),
            ("/listeners/%E2%9C%93/pause", 404, "no listener has id '✓'"),
            (
                "/listeners/orders/partitions/\(fixture.topic)/-1/pause", 400,
                "the partition must be a number from 0 to 2147483647, got '-1'"
            ),
            ("/listeners/orders/partitions/\(fixture.topic)/2147483648/pause", 400, "got '2147483648'"),
            (
                "/listeners/orders/partitions/\(fixture.topic)/99999999999999999999999/pause", 400,
                "the partition must be a number"
            ),
            ("/listeners/orders/partitions/\(fixture.topic)/1e3/pause", 400, "the partition must be a number"),
            ("/listeners/orders/partitions/\(fixture.topic)/+1/pause", 400, "the partition must be a number"),
            ("/listeners/orders/partitions/\(fixture.topic)/%31/pause", 400, "the partition must be a number"),
            ("/listeners/orders/partitions/bad%20topic/0/pause", 400, "invalid topic name"),
            (
                "/listeners/orders/partitions/\(String(repeating: "t", count: 300))/0/pause", 400,
                "the topic name is 300 bytes long"
            ),
            ("/listeners/orders/partitions/%ff/0/pause", 400, "is not valid percent-encoded UTF-8"),
            ("/listeners/nope/partitions/\(fixture.topic)/0/pause", 404, "no listener has id 'nope'"),
            ("/listeners/orders/partitions/elsewhere/7/pause", 404, "does not consume elsewhere-7"),
        ]
        for (path, status, message) in cases {
            let method = path.hasSuffix("resume") || path.hasSuffix("pause") ? "PUT" : "GET"
            let (got, json) = try await fixture.request(method, path)
            #expect(got == status, "\(path.prefix(120)): \(String(describing: json))")
            let text = errorMessage(json)
            #expect(text?.contains(message) == true, "\(path.prefix(120)): \(String(describing: json))")
            #expect(
                (text?.count ?? 0) < 300,
                "the message quotes at most a short part of the input: \(text?.prefix(400) ?? "")")
        }
        // Unknown routes and methods: JSON errors too.
        var (status, json) = try await fixture.request("GET", "/nowhere")
        #expect(status == 404 && errorMessage(json) == "Not Found", "\(String(describing: json))")
        (status, json) = try await fixture.request("DELETE", "/listeners")
        #expect(status == 404 && errorMessage(json) != nil, "\(String(describing: json))")

        // Still serving, and the listener untouched.
        (status, json) = try await fixture.request("GET", "/listeners")
        #expect(status == 200 && (json as? [[String: Any]])?.first?["id"] as? String == "orders")
        (status, _) = try await fixture.request("PUT", "/listeners/orders/pause")
        #expect(status == 200 && fixture.registry.status[0].isPauseRequested)
        await fixture.stop()
    }

    @Test("a missing or wrong token is a 401 with a JSON error; the right one works")
    func tokens() async throws {
        let fixture = try await AdminFixture.start(token: "correct horse battery staple")
        for token: String? in [
            nil, "wrong", "", "correct horse battery stapl", "correct horse battery staplE",
            "correct horse battery staple2", String(repeating: "x", count: 5_000),
        ] {
            let (status, json) = try await fixture.request("GET", "/listeners", token: token)
            #expect(
                status == 401 && errorMessage(json) == "a valid bearer token is required",
                "\(String(describing: token?.prefix(40))): \(status)")
        }
        #expect(try await fixture.request("PUT", "/listeners/orders/pause", token: "wrong").status == 401)
        #expect(!fixture.registry.status[0].isPauseRequested)
        #expect(try await fixture.request("GET", "/listeners", token: "correct horse battery staple").status == 200)
        await fixture.stop()
    }

    @Test("an empty, blank or control-character token is a start-up error that does not show the token")
    func emptyToken() async throws {
        let registry = ListenerRegistry(baseConfiguration: kafka.configuration())
        for token in ["", "   ", "line\nbreak"] {
            let server = ListenerAdminServer(
                registry: registry, pauses: PauseService(registry: registry),
                configuration: .init(port: 0, bearerToken: token))
            do {
                try await server.run()
                Issue.record("the server ran with token \(token.debugDescription)")
            } catch let error as ListenerAdminServer.ConfigurationError {
                #expect(error.message.contains("bearer token"), "\(error)")
                if !token.allSatisfy(\.isWhitespace) { #expect(!error.message.contains(token)) }
            }
        }
    }

    @Test("10,000 generated path parameters: each accepted or refused with a 400, none traps")
    func parameterFuzz() {
        var state: UInt64 = 0x5EED_AD01
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let pieces = [
            "%", "%2", "%zz", "%00", "%ff", "%C3%28", "%E2%9C%93", "a", "-", "1", "0", "9", "+", " ", "\u{0}", "é", ".",
            "..", "2147483647", "2147483648", "-0",
        ]
        var accepted = 0
        var refused = 0
        for _ in 0..<10_000 {
            let text = (0..<Int(next() % 12)).map { _ in pieces[Int(next() % UInt64(pieces.count))] }.joined()
            for parse in [
                { _ = try AdminParameter.listenerId(text) }, { _ = try AdminParameter.topic(text) },
                { _ = try AdminParameter.partition(text) },
            ] {
                do {
                    try parse()
                    accepted += 1
                } catch {
                    refused += 1
                }
            }
        }
        #expect(
            accepted + refused == 30_000 && accepted > 1_000 && refused > 1_000,
            "accepted \(accepted), refused \(refused)")
    }
}
