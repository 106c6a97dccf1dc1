import KafkaClient

extension TestKafka {
    /// Creates a topic on the external cluster.
    func createExternalTopic(_ name: String, partitions: Int32) async throws {
        throw KafkaError(kind: .unsupported, message: "external topic creation is wired in with KafkaAdmin", operation: "create topic '\(name)'")
    }
}
