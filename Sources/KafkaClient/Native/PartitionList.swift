import Crdkafka
import Foundation

/// Conversions between Swift partition values and `rd_kafka_topic_partition_list_t`.
///
/// Every list this file creates is destroyed by the `with…` helper that made it.
enum PartitionList {
    /// Builds a native list from `offsets`, runs `body` with it, then destroys it.
    static func with<T>(
        _ offsets: [TopicPartitionOffset], _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T
    ) rethrows -> T {
        let list = rd_kafka_topic_partition_list_new(Int32(max(offsets.count, 1)))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in offsets {
            let element = rd_kafka_topic_partition_list_add(
                list, entry.topicPartition.topic, entry.topicPartition.partition)!
            element.pointee.offset = entry.offset.rawValue
            if let metadata = entry.metadata {
                let bytes = Array(metadata.utf8)
                let buffer = malloc(max(bytes.count, 1))!
                bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                // librdkafka frees `metadata` with the list.
                element.pointee.metadata = buffer
                element.pointee.metadata_size = bytes.count
            }
        }
        return try body(list)
    }

    /// Builds a native list of partitions (offsets left invalid), runs `body`, then destroys it.
    static func with<T>(
        _ partitions: [TopicPartition], _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T
    ) rethrows -> T {
        try with(partitions.map { TopicPartitionOffset($0, .invalid) }, body)
    }

    /// Reads every element of a native list.
    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartitionOffset] {
        let count = Int(list.pointee.cnt)
        var result: [TopicPartitionOffset] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            let element = list.pointee.elems[index]
            var metadata: String?
            if let pointer = element.metadata, element.metadata_size > 0 {
                metadata = String(
                    decoding: UnsafeRawBufferPointer(start: pointer, count: element.metadata_size), as: UTF8.self)
            }
            result.append(
                TopicPartitionOffset(
                    TopicPartition(String(cString: element.topic), element.partition),
                    KafkaOffset(rawValue: element.offset),
                    metadata: metadata))
        }
        return result
    }

    /// A commit's outcome from librdkafka's answer: its error, else the first per-partition error, else the
    /// committed offsets (`sent` when the answer carries no list).
    static func commitOutcome(
        _ err: rd_kafka_resp_err_t, _ list: UnsafePointer<rd_kafka_topic_partition_list_t>?,
        sent: [TopicPartitionOffset]
    ) -> Result<[TopicPartitionOffset], KafkaError> {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(.rdkafka(err, operation: "commit offsets")) }
        guard let list else { return .success(sent) }
        if let error = firstError(list, operation: "commit offsets") { return .failure(error) }
        return .success(read(list))
    }

    /// The first per-partition error in a native list, if any.
    static func firstError(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>, operation: String) -> KafkaError? {
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            if element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let tp = "\(String(cString: element.topic))-\(element.partition)"
                return .rdkafka(element.err, operation: "\(operation) (\(tp))")
            }
        }
        return nil
    }
}
