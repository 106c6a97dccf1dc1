extension LibrdkafkaQuirks {
    /// Scales the timeout handed to `rd_kafka_seek_partitions` so the wait is as long as asked (`SeekTimeout`).
    ///
    /// Symptom without it: before 2.1.0, librdkafka waited for the seeks' confirmations a thousand times shorter
    /// than `timeout_ms` (it passed milliseconds where microseconds were expected; librdkafka #4230, fixed in
    /// 2.1.0), so a 10 s seek gave up after 10 ms and failed with "timed out" under load. The mock cluster shows
    /// it: a seek with a short timeout fails with the quirk off and succeeds with it on.
    public static let seekTimeout = LibrdkafkaQuirks(rawValue: 1 << 4)

    /// From 1.6.0 (`rd_kafka_seek_partitions`) up to 2.1.0.
    static let seekTimeoutVersions = LibrdkafkaVersion.Range(
        from: LibrdkafkaVersion(1, 6, 0), below: LibrdkafkaVersion(2, 1, 0))

    /// The ``LibrdkafkaQuirks/seekTimeout`` quirk.
    enum SeekTimeout {
        /// The `timeout_ms` to hand `rd_kafka_seek_partitions` for a wait of `timeout`: a thousand times the
        /// milliseconds when `scaled` (the quirk is in effect), which makes the wait what was asked; as asked
        /// otherwise. Clamped to `Int32`, never trapping; zero stays zero ("do not wait").
        static func argument(_ timeout: Duration, scaled: Bool) -> Int32 {
            let milliseconds = timeout.milliseconds
            guard scaled else { return milliseconds }
            return Int32(clamping: Int64(milliseconds) * 1000)
        }
    }
}
