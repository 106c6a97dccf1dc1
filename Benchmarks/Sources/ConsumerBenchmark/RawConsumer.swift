import Crdkafka
import Foundation
import KafkaClient

/// The baseline: a consume loop written directly against librdkafka's C API, with no Swift layer
/// between the application and `rd_kafka_consume_batch_queue`.
///
/// Everything here blocks, so it is only ever called through `runBlocking` (a dedicated thread, never
/// Swift's cooperative pool). Every C object is freed exactly once: the configuration is owned by the
/// handle once `rd_kafka_new` succeeds (and destroyed by us only when it fails), the partition list
/// right after `rd_kafka_assign`, each message right after it is read, the queue reference before
/// the handle is closed and destroyed.
enum RawConsumer {
    /// Creates a consumer handle with `settings` applied.
    static func makeHandle(bootstrapServers: String, settings: [(String, String)]) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw BenchmarkError("rd_kafka_conf_new returned NULL") }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in [("bootstrap.servers", bootstrapServers)] + settings {
            if rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw BenchmarkError("raw consumer: cannot set \(key)=\(value): \(cString(errorText))")
            }
        }
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)  // still ours when rd_kafka_new fails
            throw BenchmarkError("raw consumer: rd_kafka_new failed: \(cString(errorText))")
        }
        return rk
    }

    /// Low and high watermark of every partition of `topic`, asked of the broker
    /// (`rd_kafka_query_watermark_offsets`), on a short-lived consumer handle.
    static func watermarks(
        bootstrapServers: String, topic: String, partitions: Int32
    ) throws -> [(low: Int64, high: Int64)] {
        let rk = try makeHandle(bootstrapServers: bootstrapServers, settings: [("group.id", "bench-watermarks")])
        defer {
            _ = rd_kafka_consumer_close(rk)
            rd_kafka_destroy(rk)
        }
        var result: [(low: Int64, high: Int64)] = []
        for partition in 0..<partitions {
            var low: Int64 = -1
            var high: Int64 = -1
            let err = rd_kafka_query_watermark_offsets(rk, topic, partition, &low, &high, 10_000)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw BenchmarkError(
                    "watermark query for \(topic)-\(partition) failed: \(String(cString: rd_kafka_err2str(err)))")
            }
            result.append((low, high))
        }
        return result
    }

    /// Assigns every partition of `topic` from offset 0 and consumes until `records` records were
    /// counted; the clock and the allocation counter run from just before `rd_kafka_assign` to the
    /// last record.
    static func consume(
        bootstrapServers: String, settings: [(String, String)], topic: String, partitions: Int32,
        records target: Int, batch: Int, deadline: Duration, fullFields: Bool = false, syncCommits: Bool = false
    ) throws -> Measurement {
        crdkafka_name_current_thread("raw-loop")  // its own group in the CPU-by-thread figures
        let rk = try makeHandle(bootstrapServers: bootstrapServers, settings: settings)
        rd_kafka_poll_set_consumer(rk)  // route the main queue into the consumer queue, as KafkaConsumer does
        guard let queue = rd_kafka_queue_get_consumer(rk) else {
            rd_kafka_destroy(rk)
            throw BenchmarkError("raw consumer: rd_kafka_queue_get_consumer returned NULL")
        }
        let buffer = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: batch)
        defer {
            buffer.deallocate()
            rd_kafka_queue_destroy(queue)
            _ = rd_kafka_consumer_close(rk)
            rd_kafka_destroy(rk)
        }
        guard let list = rd_kafka_topic_partition_list_new(partitions) else {
            throw BenchmarkError("raw consumer: rd_kafka_topic_partition_list_new returned NULL")
        }
        for partition in 0..<partitions {
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = 0
        }

        var consumed = 0
        var fieldSink = 0
        var keyBytes = 0
        var valueBytes = 0
        var consumeErrors = 0
        var batches = 0
        let clock = ContinuousClock()
        var firstRecord: ContinuousClock.Instant?
        var lastBatch = clock.now
        var longestGap = Duration.zero
        // With `syncCommits`: each partition's next offset in the batch in hand (-1: none in it).
        var nextOffsets = [Int64](repeating: -1, count: Int(partitions))
        var commitWaits: [Duration] = []
        var emptyWaits = 0
        var emptyWaitTime = Duration.zero
        commitWaits.reserveCapacity(syncCommits ? target / max(batch, 1) * 2 + 16 : 0)

        let cpu = ThreadCPU.snapshot()
        AllocationCounter.start()
        let start = clock.now
        let assignError = rd_kafka_assign(rk, list)
        rd_kafka_topic_partition_list_destroy(list)
        guard assignError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            _ = AllocationCounter.stop()
            throw BenchmarkError(
                "raw consumer: rd_kafka_assign failed: \(String(cString: rd_kafka_err2str(assignError)))")
        }
        while consumed < target {
            // Same fetch strategy as KafkaConsumer's poll: take what is queued without waiting; if nothing
            // is, wait (up to 100 ms) for one message, then take the rest that is ready.
            var count = rd_kafka_consume_batch_queue(queue, 0, buffer, batch)
            if count == 0 {
                let waitStart = clock.now
                defer {
                    emptyWaits += 1
                    emptyWaitTime += clock.now - waitStart
                }
                count = rd_kafka_consume_batch_queue(queue, 100, buffer, 1)
                if count == 1 && batch > 1 {
                    let more = rd_kafka_consume_batch_queue(queue, 0, buffer + 1, batch - 1)
                    if more > 0 { count += more }
                }
            }
            if count < 0 {
                _ = AllocationCounter.stop()
                throw BenchmarkError(
                    "raw consumer: rd_kafka_consume_batch_queue failed: \(String(cString: rd_kafka_err2str(rd_kafka_last_error())))"
                )
            }
            let now = clock.now
            if count > 0 {
                if firstRecord == nil {
                    firstRecord = now
                } else {
                    longestGap = max(longestGap, now - lastBatch)
                }
                lastBatch = now
                batches += 1
            }
            for index in 0..<count {
                let message = buffer[index]!
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    consumed += 1
                    keyBytes &+= message.pointee.key_len
                    valueBytes &+= message.pointee.len
                    if fullFields {
                        // What a hand-written loop that hands complete records on must also read.
                        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
                        fieldSink &+= Int(rd_kafka_message_timestamp(message, &timestampType))
                        var headers: OpaquePointer?
                        if rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers {
                            fieldSink &+= rd_kafka_header_cnt(headers)
                        }
                    }
                } else {
                    consumeErrors += 1
                }
                if syncCommits && message.pointee.partition >= 0 && message.pointee.partition < partitions {
                    nextOffsets[Int(message.pointee.partition)] = message.pointee.offset + 1
                }
                rd_kafka_message_destroy(message)
            }
            if syncCommits && count > 0 {
                let started = clock.now
                try commit(rk, topic: topic, nextOffsets: &nextOffsets)
                commitWaits.append(clock.now - started)
            }
            if now - start > deadline {
                _ = AllocationCounter.stop()
                throw BenchmarkError(
                    "raw consumer: only \(consumed) of \(target) records after \(deadline) (\(consumeErrors) consume errors)"
                )
            }
        }
        let end = clock.now
        let allocations = AllocationCounter.stop()
        let spent = ThreadCPU.snapshot().since(cpu)
        if ProcessInfo.processInfo.environment["BENCH_DEBUG_WAITS"] != nil {
            ConsumerBenchmark.progress(
                "  \(emptyWaits) waits for an empty queue, \(fixed(emptyWaitTime.inSeconds * 1000, 1)) ms in all, \(batches) batches"
            )
        }
        if !commitWaits.isEmpty {
            let sorted = commitWaits.sorted()
            func micros(_ fraction: Double) -> String {
                fixed(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))].inSeconds * 1_000_000, 0)
            }
            ConsumerBenchmark.progress(
                "  \(sorted.count) sync commits, wait µs: median \(micros(0.5)), p90 \(micros(0.9)), p99 \(micros(0.99)), max \(micros(1))"
            )
        }
        if fieldSink == Int.min { print(fieldSink) }  // keeps the field reads from being optimised away
        return Measurement(
            records: consumed, keyBytes: keyBytes, valueBytes: valueBytes, batches: batches,
            consumeErrors: consumeErrors, elapsed: end - start, firstRecord: (firstRecord ?? end) - start,
            longestGap: longestGap, allocations: allocations, cpu: spent)
    }
}

extension RawConsumer {
    /// Commits the batch's next offsets and waits for the broker's answer, as a hand-written loop with
    /// synchronous commits does after each batch (`rd_kafka_commit` with `async` 0); clears `nextOffsets`.
    static func commit(_ rk: OpaquePointer, topic: String, nextOffsets: inout [Int64]) throws {
        guard let list = rd_kafka_topic_partition_list_new(Int32(nextOffsets.count)) else {
            throw BenchmarkError("raw consumer: rd_kafka_topic_partition_list_new returned NULL")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in nextOffsets.enumerated() where offset >= 0 {
            rd_kafka_topic_partition_list_add(list, topic, Int32(partition)).pointee.offset = offset
            nextOffsets[partition] = -1
        }
        let error = rd_kafka_commit(rk, list, 0)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw BenchmarkError("raw consumer: rd_kafka_commit failed: \(String(cString: rd_kafka_err2str(error)))")
        }
    }
}

func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
