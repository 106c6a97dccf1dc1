import Crdkafka

extension AdminCore {
    /// Creates `topics` with one CreateTopics request (`rd_kafka_CreateTopics`); runs on the admin
    /// thread and waits there at most the deadline. Names and counts are checked before any request.
    func createTopics(_ topics: [NewTopic], deadline: AdminDeadline) throws {
        let operation = "create topics \(topics.map(\.name))"
        try Self.validate(topics, operation: operation)
        guard !topics.isEmpty else { return }
        var newTopics: [OpaquePointer?] = []
        // Each NewTopic is ours until destroyed here; CreateTopics copies what it sends.
        defer { for newTopic in newTopics { rd_kafka_NewTopic_destroy(newTopic) } }
        var errorText = [CChar](repeating: 0, count: 512)
        for topic in topics {
            guard
                let newTopic = rd_kafka_NewTopic_new(
                    topic.name, topic.partitions ?? -1, topic.replicationFactor ?? -1, &errorText, errorText.count)
            else {
                throw KafkaError(
                    kind: .invalidArgument,
                    message: "librdkafka refused topic '\(topic.name)': \(Self.text(errorText))",
                    operation: operation)
            }
            newTopics.append(newTopic)
            for (key, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError.rdkafka(err, operation: "\(operation): set '\(key)' on '\(topic.name)'")
                }
            }
        }
        try adminRequest(
            RD_KAFKA_ADMIN_OP_CREATETOPICS, request: "CreateTopics", operation: operation, deadline: deadline,
            setsOperationTimeout: true, resultType: RD_KAFKA_EVENT_CREATETOPICS_RESULT,
            send: { options, queue in
                newTopics.withUnsafeMutableBufferPointer {
                    rd_kafka_CreateTopics(rk, $0.baseAddress, $0.count, options, queue)
                }
            },
            read: { event in
                var count = 0
                let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
                try Self.checkTopicResults(
                    results, count: count, request: "CreateTopics", operation: operation, timeout: deadline.timeout)
            })
    }

    /// Deletes `names` with one DeleteTopics request (`rd_kafka_DeleteTopics`); runs on the admin thread
    /// and waits there at most the deadline. Names are checked before any request.
    func deleteTopics(_ names: [String], deadline: AdminDeadline) throws {
        let operation = "delete topics \(names)"
        for name in names { try TopicName.validate(name) }
        guard !names.isEmpty else { return }
        var deleteTopics: [OpaquePointer?] = []
        // Each DeleteTopic is ours until destroyed here; DeleteTopics copies what it sends.
        defer { for deleteTopic in deleteTopics { rd_kafka_DeleteTopic_destroy(deleteTopic) } }
        for name in names {
            guard let deleteTopic = rd_kafka_DeleteTopic_new(name) else {
                throw KafkaError(
                    kind: .invalidArgument, message: "librdkafka refused topic '\(name)'", operation: operation)
            }
            deleteTopics.append(deleteTopic)
        }
        try adminRequest(
            RD_KAFKA_ADMIN_OP_DELETETOPICS, request: "DeleteTopics", operation: operation, deadline: deadline,
            setsOperationTimeout: true, resultType: RD_KAFKA_EVENT_DELETETOPICS_RESULT,
            send: { options, queue in
                deleteTopics.withUnsafeMutableBufferPointer {
                    rd_kafka_DeleteTopics(rk, $0.baseAddress, $0.count, options, queue)
                }
            },
            read: { event in
                var count = 0
                let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
                try Self.checkTopicResults(
                    results, count: count, request: "DeleteTopics", operation: operation, timeout: deadline.timeout)
            })
    }

    /// Checks names, counts and duplicates of topics to create.
    private static func validate(_ topics: [NewTopic], operation: String) throws {
        var seen: Set<String> = []
        for topic in topics {
            try TopicName.validate(topic.name, existing: seen)
            guard seen.insert(topic.name).inserted else {
                throw KafkaError(
                    kind: .invalidArgument, message: "topic '\(topic.name)' is listed twice", operation: operation)
            }
            if let partitions = topic.partitions, partitions < 1 {
                throw KafkaError(
                    kind: .invalidArgument,
                    message: "partitions of '\(topic.name)' must be at least 1, got \(partitions)",
                    operation: operation)
            }
            if let factor = topic.replicationFactor, factor < 1 {
                throw KafkaError(
                    kind: .invalidArgument,
                    message: "replication factor of '\(topic.name)' must be at least 1, got \(factor)",
                    operation: operation)
            }
        }
    }
}
