import Crdkafka

/// Topics and brokers from a Metadata request (`rd_kafka_metadata`), copied into Swift values; the
/// native metadata is freed before this is returned.
struct MetadataSnapshot {
    var brokers: [BrokerDescription]
    var topics: [TopicDescription]

    /// The partition ids of `topic`, or `nil` if the metadata does not list it.
    func partitions(of topic: String) -> [Int32]? {
        topics.first(where: { $0.name == topic }).map { $0.partitions.map(\.id) }
    }
}

extension AdminCore {
    /// Fetches metadata for every topic (`allTopics`) or none (brokers only). Blocks the admin thread
    /// for at most the deadline's remaining time.
    ///
    /// Metadata is asked for all topics rather than for named ones on purpose: asking for a named topic
    /// may make a broker with `auto.create.topics.enable` create it.
    func metadata(allTopics: Bool, deadline: AdminDeadline, operation: String) throws -> MetadataSnapshot {
        guard !closed else { throw KafkaError.closed(operation: operation) }
        var pointer: UnsafePointer<rd_kafka_metadata_t>?
        let err = rd_kafka_metadata(rk, allTopics ? 1 : 0, nil, &pointer, deadline.remainingMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let pointer else {
            throw AdminFailure.from(
                err, text: nil, request: "Metadata", operation: operation, timeout: deadline.timeout)
        }
        defer { rd_kafka_metadata_destroy(pointer) }
        let raw = pointer.pointee
        var brokers: [BrokerDescription] = []
        for index in 0..<Int(raw.broker_cnt) {
            let broker = raw.brokers[index]
            brokers.append(
                BrokerDescription(id: broker.id, host: String(cString: broker.host), port: Int32(broker.port)))
        }
        var topics: [TopicDescription] = []
        for index in 0..<Int(raw.topic_cnt) {
            let topic = raw.topics[index]
            var partitions: [PartitionDescription] = []
            for p in 0..<Int(topic.partition_cnt) {
                let partition = topic.partitions[p]
                partitions.append(
                    PartitionDescription(
                        id: partition.id, leader: partition.leader,
                        replicas: Self.ids(partition.replicas, Int(partition.replica_cnt)),
                        inSyncReplicas: Self.ids(partition.isrs, Int(partition.isr_cnt)),
                        error: Self.code(partition.err)))
            }
            topics.append(
                TopicDescription(
                    name: String(cString: topic.topic), partitions: partitions.sorted { $0.id < $1.id },
                    error: Self.code(topic.err)))
        }
        return MetadataSnapshot(brokers: brokers.sorted { $0.id < $1.id }, topics: topics.sorted { $0.name < $1.name })
    }

    /// Every topic the cluster reports, without Kafka's internal topics unless asked for.
    func listTopics(includeInternal: Bool, deadline: AdminDeadline) throws -> [TopicDescription] {
        let snapshot = try metadata(allTopics: true, deadline: deadline, operation: "list topics")
        return includeInternal
            ? snapshot.topics : snapshot.topics.filter { !TopicName.internalTopics.contains($0.name) }
    }

    /// Brokers from a metadata request, plus the cluster and controller ids, which librdkafka reads
    /// from the metadata it just cached (`rd_kafka_clusterid`, `rd_kafka_controllerid`). Blocks the
    /// admin thread for at most the deadline.
    func describeCluster(deadline: AdminDeadline) throws -> ClusterDescription {
        let operation = "describe the cluster"
        let snapshot = try metadata(allTopics: false, deadline: deadline, operation: operation)
        var clusterId: String?
        if let pointer = rd_kafka_clusterid(rk, deadline.isExpired ? 0 : deadline.remainingMilliseconds) {
            clusterId = String(cString: pointer)
            rd_kafka_mem_free(rk, pointer)
        }
        let controller = rd_kafka_controllerid(rk, deadline.isExpired ? 0 : deadline.remainingMilliseconds)
        // A controller id that names no listed broker is no usable answer (librdkafka's mock cluster
        // reports 0, which is none of its brokers).
        let known = snapshot.brokers.contains { $0.id == controller }
        return ClusterDescription(
            clusterId: clusterId, controllerId: known ? controller : nil, brokers: snapshot.brokers)
    }

    /// The partition ids of each of `topics`, from one metadata request.
    ///
    /// - Throws: `UNKNOWN_TOPIC_OR_PART` (kind `.broker`) naming the first topic the cluster does not have.
    func partitions(of topics: [String], deadline: AdminDeadline, operation: String) throws -> [TopicPartition] {
        let snapshot = try metadata(allTopics: true, deadline: deadline, operation: operation)
        var result: [TopicPartition] = []
        for topic in topics {
            guard let ids = snapshot.partitions(of: topic), !ids.isEmpty else {
                throw KafkaError.rdkafka(
                    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, operation: operation,
                    message: "topic '\(topic)' does not exist in the cluster")
            }
            result += ids.map { TopicPartition(topic, $0) }
        }
        return result
    }

    private static func ids(_ pointer: UnsafeMutablePointer<Int32>?, _ count: Int) -> [Int32] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    private static func code(_ err: rd_kafka_resp_err_t) -> KafkaResponseCode? {
        err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaResponseCode(rawValue: err.rawValue)
    }
}
