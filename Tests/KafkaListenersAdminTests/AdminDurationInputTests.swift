import Foundation
import KafkaListeners
import KafkaListenersAdmin
import KafkaListenersTesting
import Testing

@Suite("HTTP admin: out-of-range pause durations", .timeLimit(.minutes(5)))
struct AdminDurationInputTests {
    @Test("for=1e300, inf, NaN or a negative number: 400 with a JSON error, and the server keeps serving")
    func outOfRangeDurations() async throws {
        let fixture = try await AdminFixture.start()
        for value in ["1e300", "1e300s", "inf", "infs", "NaN", "-1", "-1ms", "1e20h"] {
            let (status, json) = try await fixture.request("PUT", "/listeners/orders/pause?for=\(value)")
            #expect(status == 400 && errorMessage(json) != nil, "for=\(value): \(status) \(String(describing: json))")
            let partition = try await fixture.request(
                "PUT", "/listeners/orders/partitions/\(fixture.topic)/0/pause?for=\(value)")
            #expect(
                partition.status == 400 && errorMessage(partition.json) != nil,
                "partition for=\(value): \(partition.status)")
        }
        #expect(!fixture.registry.status[0].isPauseRequested)
        #expect(try await fixture.request("PUT", "/listeners/orders/pause?for=30s").status == 200)
        await fixture.stop()
    }
}
