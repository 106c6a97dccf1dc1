import KafkaClient

/// A record's identity: its partition and offset.
struct RecordKey: Hashable, Sendable {
    var tp: TopicPartition
    var offset: Int64

    init(tp: TopicPartition, offset: Int64) {
        self.tp = tp
        self.offset = offset
    }

    init(_ record: ConsumerRecord) {
        self.init(tp: record.topicPartition, offset: record.offset)
    }
}
