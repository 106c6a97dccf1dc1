import KafkaClient

/// A seek waiting for the next poll boundary, where it is resolved into an offset on the consumer's thread.
struct SeekRequest: Sendable {
    /// The partitions to move (`nil`: every partition assigned when the seek is resolved).
    var partitions: [TopicPartition]?
    /// Where to.
    var position: SeekPosition
}

extension SingleContainer {
    /// Moves `partition` to `position` at the next poll boundary: the rest of the current poll's records of the
    /// partition are skipped, records from the new position on are delivered (again, if it is behind).
    ///
    /// A partition not assigned to this container when the seek is resolved is left alone. A position that needs
    /// the broker (``SeekPosition/timestamp(milliseconds:)``, ``SeekPosition/relative(_:from:)``) is looked up
    /// there; if the lookup fails the failure is logged and the partition continues from its first unfinished record
    /// (the records skipped meanwhile come again).
    public func seek(_ partition: TopicPartition, to position: SeekPosition) {
        if case .offset(let offset) = position, offset >= 0 {
            seek(partition, to: offset)
            return
        }
        request(SeekRequest(partitions: [partition], position: position))
    }

    /// Moves every assigned partition to `position` at the next poll boundary (see ``seek(_:to:)-(_,SeekPosition)``).
    public func seekAll(to position: SeekPosition) {
        request(SeekRequest(partitions: nil, position: position))
    }

    /// Moves every assigned partition to its first record at or after `milliseconds` since the epoch (after
    /// the newest record where none is that recent), at the next poll boundary. The rest of the current
    /// poll's records are skipped; records from the new position on are delivered, again if need be.
    ///
    /// The lookup is Kafka's ListOffsets by time. librdkafka 2.0.2's mock cluster (EmbeddedKafka) answers
    /// every such lookup with "no record", so there every timestamp moves to the end.
    public func seek(toTimestamp milliseconds: Int64) {
        seekAll(to: .timestamp(milliseconds: milliseconds))
    }

    private func request(_ request: SeekRequest) {
        let affected = request.partitions ?? tracker.assignedPartitions
        let workers = state.withLock { state -> PartitionWorkers? in
            state.seekRequests.append(request)
            state.pauses.changed()
            state.batch.interrupt(affected)
            return state.workers
        }
        for tp in affected {
            if let dropped = workers?.discard(tp, from: nil) { tracker.forget(tp, offsets: dropped) }
        }
        attention.add(1, ordering: .releasing)
        wakeUp()
    }

    /// On the consumer's thread (a poll boundary, an assignment): resolves the requested seeks into offset seeks
    /// of the tracker, asking the broker where a position needs it.
    func resolveSeekRequests(_ session: ConsumerSession) {
        let requests = state.withLock { state in
            defer { state.seekRequests = [] }
            return state.seekRequests
        }
        guard !requests.isEmpty else { return }
        let assigned = Set(tracker.assignedPartitions)
        var unresolved: [TopicPartition] = []
        for request in requests {
            let partitions = (request.partitions ?? Array(assigned)).filter { assigned.contains($0) }.sorted()
            guard !partitions.isEmpty else { continue }
            do {
                let resolved = try resolve(request.position, partitions, session)
                for tp in partitions {
                    if let offset = resolved[tp] {
                        tracker.requestSeek(tp, to: offset)
                    } else {
                        logger.warning(
                            "\(tp) has no \(request.position) to seek to; it continues from its first unfinished record"
                        )
                        unresolved.append(tp)
                    }
                }
                logger.info("seeking \(partitions) to \(request.position)")
            } catch {
                logger.error(
                    "seek of \(partitions) to \(request.position) failed; they continue from their first unfinished records: \(error)"
                )
                unresolved.append(contentsOf: partitions)
            }
        }
        // The records skipped while a seek waited here were fetched already: a partition that does not move is sought
        // back to its first unfinished record, so they come again (at least once), or else left where the consumer is.
        var left: [TopicPartition] = []
        for tp in unresolved {
            if let back = tracker.resumePoint(tp) {
                tracker.requestSeek(tp, to: back)
            } else {
                left.append(tp)
            }
        }
        if !left.isEmpty { state.withLock { $0.workers }?.seeksApplied(left) }
    }

    /// The offset of `position` for each of `partitions` (absent where the broker gave no answer to use).
    func resolve(
        _ position: SeekPosition, _ partitions: [TopicPartition], _ session: ConsumerSession
    ) throws -> [TopicPartition: Int64] {
        var byTime: [TopicPartition: Int64] = [:]
        if case .timestamp(let milliseconds) = position {
            for found in try session.offsetsForTimes(partitions, milliseconds: milliseconds) {
                byTime[found.topicPartition] = found.offset.rawValue
            }
        }
        var current: [TopicPartition: Int64] = [:]
        if case .relative(_, .current) = position {
            var fetched: [TopicPartition: Int64] = [:]
            for found in try session.position(partitions) where found.offset.rawValue >= 0 {
                fetched[found.topicPartition] = found.offset.rawValue
            }
            // Not fetched from yet (a new assignment): the group's committed offset is where it would start.
            let unfetched = partitions.filter { fetched[$0] == nil }
            var committed: [TopicPartition: Int64] = [:]
            for found in unfetched.isEmpty ? [] : (try? session.committed(unfetched)) ?? []
            where found.offset.rawValue >= 0 {
                committed[found.topicPartition] = found.offset.rawValue
            }
            for tp in partitions { current[tp] = fetched[tp] ?? tracker.committedOffset(tp) ?? committed[tp] }
        }
        var result: [TopicPartition: Int64] = [:]
        for tp in partitions {
            let watermarks = position.needsWatermarks ? try session.watermarks(tp) : nil
            result[tp] = position.resolve(watermarks: watermarks, current: current[tp], timestampOffset: byTime[tp])
        }
        return result
    }

    /// Before librdkafka assigns `partitions`: runs the rebalance listener's `assigned` callback and turns the seeks it
    /// asked for into the partitions' start offsets (librdkafka may not honour a seek of a partition it is still
    /// starting). A seek that cannot be resolved leaves its partition at the committed offset, and is logged.
    func assigning(_ partitions: [TopicPartition], _ session: ConsumerSession) -> [TopicPartition: Int64] {
        guard let listener = endpoint.rebalanceListener else { return [:] }
        let seeks = RebalanceContext.StartSeeks()
        listener.assigned(
            RebalanceContext(partitions: partitions, container: self, session: session, startSeeks: seeks))
        // The last seek asked for each partition counts; partitions going to one position are looked up together.
        let assigning = Set(partitions)
        var wanted: [TopicPartition: SeekPosition] = [:]
        for (tp, position) in seeks.requested.withLock({ $0 }) where assigning.contains(tp) { wanted[tp] = position }
        var offsets: [TopicPartition: Int64] = [:]
        for (position, entries) in Dictionary(grouping: wanted, by: \.value) {
            let tps = entries.map(\.key).sorted()
            let resolved: [TopicPartition: Int64]
            do {
                resolved = try resolve(position, tps, session)
            } catch {
                logger.error("\(tps) could not start at \(position); they start at their committed offsets: \(error)")
                continue
            }
            for tp in tps {
                guard var offset = resolved[tp] else {
                    logger.warning("\(tp) has no \(position) to start at; it starts at its committed offset")
                    continue
                }
                // The beginning and the end as offsets now, so the start does not depend on when librdkafka looks
                // them up (a record produced meanwhile would be skipped by a later "end").
                if offset == KafkaOffset.end.rawValue || offset == KafkaOffset.beginning.rawValue,
                    let marks = try? session.watermarks(tp)
                {
                    offset = offset == KafkaOffset.end.rawValue ? marks.high : marks.low
                }
                offsets[tp] = offset
                logger.info("\(tp) starts at \(position) (\(offset))")
            }
        }
        return offsets
    }
}
