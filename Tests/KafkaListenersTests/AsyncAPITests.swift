import Foundation
import KafkaClient
import KafkaListeners
import Testing

struct Shipment: JSONPayload {
    enum Carrier: String, Codable { case post, courier }
    struct Line: Codable {
        var sku: String
        var quantity: Int32
    }
    var id: UUID
    var lines: [Line]
    var note: String?
    var shippedAt: Date
    var weight: Double
}

@Suite("AsyncAPI documents describe the declared listeners", .timeLimit(.minutes(10)))
struct AsyncAPITests {
    func document() throws -> [String: Any] {
        let app = try KafkaApplication(applicationConfiguration()) {
            Listen("orders", topics: "orders", concurrency: 3, ackMode: .manual) {
                (record: TypedRecord<String, Order>, _) in _ = record
            }
            ListenBatch("audit", pattern: "audit-.*") { (orders: [Order], _) in _ = orders }
            Listen("raw", topics: "orders") { (record: ConsumerRecord, _) in _ = record }
            Listen("shipments", topics: "shipments") { (shipment: Shipment, _) in _ = shipment }
        }
        let json = app.asyncAPI(title: "Orders service", version: "1.0.0", servers: [("local", "localhost:9092")])
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test("channels per topic or pattern, one receive operation per listener with group id and settings")
    func channelsAndOperations() throws {
        let doc = try document()
        #expect(doc["asyncapi"] as? String == "3.0.0")
        let channels = try #require(doc["channels"] as? [String: [String: Any]])
        #expect(Set(channels.keys) == ["orders", "pattern-audit", "shipments"])
        #expect(channels["orders"]?["address"] as? String == "orders")
        #expect(
            channels["pattern-audit"]?["address"] == nil
                && channels["pattern-audit"]?["x-kafka-topic-pattern"] as? String == "audit-.*")
        let ordersMessages = try #require(channels["orders"]?["messages"] as? [String: Any])
        #expect(
            Set(ordersMessages.keys) == ["Order", "Array<UInt8>"],
            "a topic two listeners read carries both their messages")
        let operations = try #require(doc["operations"] as? [String: [String: Any]])
        #expect(Set(operations.keys) == ["orders", "audit", "raw", "shipments"])
        let orders = try #require(operations["orders"])
        #expect(orders["action"] as? String == "receive")
        #expect((orders["channel"] as? [String: String])?["$ref"] == "#/channels/orders")
        #expect(orders["x-concurrency"] as? Int == 3 && orders["x-ack-mode"] as? String == "manual")
        let kafkaBinding = (orders["bindings"] as? [String: Any])?["kafka"] as? [String: Any]
        #expect((kafkaBinding?["groupId"] as? [String: Any])?["enum"] as? [String] == ["orders"])
        #expect(operations["audit"]?["x-batch"] as? Bool == true)
        #expect((doc["servers"] as? [String: [String: String]])?["local"]?["host"] == "localhost:9092")
    }

    @Test("payload schemas are derived from Codable: required and optional properties, arrays, nested objects, formats")
    func schemas() throws {
        let doc = try document()
        let components = try #require(doc["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: [String: Any]])
        let order = try #require(schemas["Order"])
        #expect(order["type"] as? String == "object" && order["required"] as? [String] == ["id", "item"])
        #expect((order["properties"] as? [String: [String: String]])?["id"]?["type"] == "integer")
        let shipment = try #require(schemas["Shipment"])
        let properties = try #require(shipment["properties"] as? [String: [String: Any]])
        #expect(Set(shipment["required"] as? [String] ?? []) == ["id", "lines", "shippedAt", "weight"])
        #expect(properties["id"]?["format"] as? String == "uuid")
        #expect(properties["note"]?["type"] as? String == "string")
        #expect(properties["weight"]?["type"] as? String == "number")
        let items = try #require(properties["lines"]?["items"] as? [String: Any])
        #expect(
            properties["lines"]?["type"] as? String == "array" && items["required"] as? [String] == ["sku", "quantity"])
        #expect((items["properties"] as? [String: [String: String]])?["quantity"]?["format"] == "int32")
        let messages = try #require(components["messages"] as? [String: [String: Any]])
        #expect(messages["Order"]?["contentType"] as? String == "application/json")
        let keyBinding =
            ((messages["Order"]?["bindings"] as? [String: Any])?["kafka"] as? [String: Any])?["key"]
            as? [String: String]
        #expect(keyBinding?["type"] == "string", "the typed listener's String key is described")
        #expect((messages["Array<UInt8>"]?["payload"] as? [String: String])?["format"] == "binary")
    }
}
