import Crdkafka

extension AdminCore {
    /// Lists the cluster's consumer groups with ListGroups requests to every broker
    /// (`rd_kafka_ListConsumerGroups`); runs on the admin thread and waits there at most the deadline.
    ///
    /// When some brokers fail but others answer, the groups found are returned and the failures logged;
    /// when every broker fails, the first failure is thrown.
    func listConsumerGroups(deadline: AdminDeadline) throws -> [ConsumerGroupListing] {
        let operation = "list consumer groups"
        return try adminRequest(
            RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, request: "ListGroups", operation: operation, deadline: deadline,
            setsOperationTimeout: false, resultType: RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT,
            send: { options, queue in rd_kafka_ListConsumerGroups(rk, options, queue) },
            read: { event in
                // Both arrays belong to the result event, which adminRequest destroys.
                let result = rd_kafka_event_ListConsumerGroups_result(event)
                var validCount = 0
                var groups: [ConsumerGroupListing] = []
                if let valid = rd_kafka_ListConsumerGroups_result_valid(result, &validCount) {
                    for index in 0..<validCount {
                        guard let listing = valid[index] else { continue }
                        groups.append(
                            ConsumerGroupListing(
                                groupId: String(cString: rd_kafka_ConsumerGroupListing_group_id(listing)),
                                isSimpleConsumerGroup: rd_kafka_ConsumerGroupListing_is_simple_consumer_group(listing)
                                    != 0,
                                state: Self.state(rd_kafka_ConsumerGroupListing_state(listing))))
                    }
                }
                var errorCount = 0
                var failures: [KafkaError] = []
                if let errors = rd_kafka_ListConsumerGroups_result_errors(result, &errorCount) {
                    for index in 0..<errorCount {
                        guard let error = errors[index] else { continue }
                        failures.append(
                            AdminFailure.from(
                                rd_kafka_error_code(error), text: String(cString: rd_kafka_error_string(error)),
                                request: "ListGroups", operation: operation, timeout: deadline.timeout))
                    }
                }
                if let first = failures.first, groups.isEmpty { throw first }
                for failure in failures { logger.warning("listing consumer groups was incomplete: \(failure)") }
                return groups.sorted { $0.groupId < $1.groupId }
            })
    }

    private static func state(_ state: rd_kafka_consumer_group_state_t) -> ConsumerGroupState {
        switch state {
        case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE: .preparingRebalance
        case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE: .completingRebalance
        case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE: .stable
        case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD: .dead
        case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY: .empty
        default: .unknown
        }
    }
}
