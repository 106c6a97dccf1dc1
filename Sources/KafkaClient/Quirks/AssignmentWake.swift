extension LibrdkafkaQuirks {
    /// Wakes the fetchers after a new assignment whose first record is late (`FetchWaker.watchAssignment()`).
    ///
    /// Symptom without it: librdkafka's broker thread sometimes takes up newly assigned partitions only when its
    /// one-second timer fires, so about one assignment in three waits up to a second for its first record (seen
    /// on 2.0.2). The watch sends one `ListOffsets` request per leader 20 ms and 200 ms after an assignment, and
    /// only while no record has arrived. No release note names a fix, so it applies to every version until a newer
    /// librdkafka is shown not to need it (the test `FetchRestartTests.assignmentWatch` then tells). The mock
    /// cluster shows the late record only as time; tests show the wake-ups (``KafkaConsumer/fetchRestarts``) with
    /// the quirk on and none with it off.
    public static let assignmentWake = LibrdkafkaQuirks(rawValue: 1 << 2)

    /// Every release: no fix is known.
    static let assignmentWakeVersions = LibrdkafkaVersion.Range(from: LibrdkafkaVersion(0, 0, 0), below: nil)
}
