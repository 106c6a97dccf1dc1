import Foundation
import KafkaClient
import KafkaListenersTesting
import Synchronization
import Testing

@testable import KafkaListeners

@Suite("HTTP partition pause and resume change what is delivered", .timeLimit(.minutes(3)))
struct PartitionRoutesTests {
    @Test(
        "PUT …/partitions/T/0/pause holds partition 0 while 1 and 2 deliver; GET /listeners shows why; …/resume delivers the rest"
    )
    func pauseAndResumeOverHTTP() async throws {
        let seen = Mutex<[Int32: [Int64]]>([:])
        let fixture = try await AdminFixture.start(partitions: 3) { record in
            seen.withLock { $0[record.partition, default: []].append(record.offset) }
        }
        let counts = { seen.withLock { $0.mapValues(\.count) } }
        let base = "/listeners/orders/partitions/\(fixture.topic)/0"

        var (status, json) = try await fixture.request("PUT", "\(base)/pause")
        #expect(status == 200 && (json as? [String: Any])?["changed"] as? Bool == true, "\(String(describing: json))")
        // The pause takes effect at the next poll boundary; GET /listeners shows it with its reason.
        var reasons: [String]?
        try await waitUntil("GET /listeners shows partition 0 paused", observed: { "\(String(describing: reasons))" }) {
            let listeners = try await fixture.request("GET", "/listeners").json as? [[String: Any]]
            let child = (listeners?.first?["children"] as? [[String: Any]])?.first
            let pause = (child?["partitionPauses"] as? [String: Any])?["\(fixture.topic)-0"] as? [String: Any]
            reasons = pause?["reasons"] as? [String]
            return reasons == ["partition"]
        }
        for partition: Int32 in 0..<3 { try await kafka.produce(10, to: fixture.topic, partition: partition) }
        try await waitUntil("partitions 1 and 2 deliver 10 each", observed: { "\(counts())" }) {
            counts()[1] == 10 && counts()[2] == 10
        }
        let child = try #require(fixture.registry.container(id: "orders")?.children.first)
        let polls = child.pollsCompleted
        try await waitUntil("10 more polls", observed: { "\(child.pollsCompleted)" }) {
            child.pollsCompleted >= polls + 10
        }
        #expect(counts()[0] == nil, "partition 0 is paused: \(counts())")

        (status, json) = try await fixture.request("PUT", "\(base)/resume")
        #expect(status == 200 && (json as? [String: Any])?["changed"] as? Bool == true, "\(String(describing: json))")
        try await waitUntil("partition 0 delivers its 10", observed: { "\(counts())" }) { counts()[0] == 10 }
        #expect(seen.withLock { $0[0] } == Array(0..<10))
        (status, json) = try await fixture.request("PUT", "\(base)/resume")
        #expect(
            status == 200 && (json as? [String: Any])?["changed"] as? Bool == false, "a second resume changes nothing")

        // A timed pause shows its scheduled resume.
        (status, json) = try await fixture.request("PUT", "\(base)/pause?for=30s")
        #expect(
            status == 200 && ((json as? [String: Any])?["resumeInSeconds"] as? Double ?? 0) > 25,
            "\(String(describing: json))")
        var resumeIn: Double?
        try await waitUntil(
            "GET /listeners shows the scheduled resume", observed: { "\(String(describing: resumeIn))" }
        ) {
            let listeners = try await fixture.request("GET", "/listeners").json as? [[String: Any]]
            let child = (listeners?.first?["children"] as? [[String: Any]])?.first
            let pause = (child?["partitionPauses"] as? [String: Any])?["\(fixture.topic)-0"] as? [String: Any]
            resumeIn = pause?["resumeInSeconds"] as? Double
            return (resumeIn ?? 0) > 20
        }
        #expect(try await fixture.request("PUT", "/listeners/orders/partitions/elsewhere/0/resume").status == 404)
        #expect(
            try await fixture.request("PUT", "/listeners/orders/partitions/\(fixture.topic)/x/resume").status == 400)
        await fixture.stop()
    }
}
