import KafkaClient

extension TestKafka {
    /// Creates a topic on the external cluster through the admin API.
    func createExternalTopic(_ name: String, partitions: Int32) async throws {
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: bootstrapServers))
        do {
            try await admin.createTopic(name, partitions: partitions, replicationFactor: 1, timeout: .seconds(30))
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
    }
}
