import Foundation

/// A command for every running instance's listeners, published on the control topic as JSON.
public struct ControlCommand: Codable, Sendable, Hashable {
    /// What to do.
    public enum Action: Codable, Sendable, Hashable {
        /// Pause a listener, for `seconds` if given.
        case pause(listenerId: String, seconds: Double?)
        /// Resume a listener (cancels a scheduled resume).
        case resume(listenerId: String)
        /// Pause one partition of a listener, for `seconds` if given. Every instance records it, so it holds in
        /// whichever instance and child own the partition, now or after a rebalance.
        case pausePartition(listenerId: String, topic: String, partition: Int32, seconds: Double?)
        /// Resume one partition of a listener (cancels its scheduled resume); the listener's own pause stays.
        case resumePartition(listenerId: String, topic: String, partition: Int32)
        /// Start a listener's containers.
        case start(listenerId: String)
        /// Stop a listener's containers gracefully.
        case stop(listenerId: String)
        /// Move a listener's assigned partitions to the earliest or latest offset (paused, sought, resumed).
        case seek(listenerId: String, to: SeekTarget)
        /// Move a listener's assigned partitions to their first records at or after a time (milliseconds
        /// since the epoch; after the newest record where none is that recent).
        case seekToTimestamp(listenerId: String, milliseconds: Int64)
        /// Change a per-partition listener's concurrency limit (failed for other listeners).
        case setMaxConcurrency(listenerId: String, value: Int)
        /// Report the status of one listener, or of every listener when `listenerId` is nil (answered with
        /// ``ControlReply/Outcome/status(_:)``).
        case status(listenerId: String?)

        /// The listener the action is for (`*` for a status report of every listener).
        public var listenerId: String {
            switch self {
            case .pause(let id, _), .resume(let id), .start(let id), .stop(let id), .seek(let id, _),
                .seekToTimestamp(let id, _), .setMaxConcurrency(let id, _), .pausePartition(let id, _, _, _),
                .resumePartition(let id, _, _):
                id
            case .status(let id):
                id ?? "*"
            }
        }
    }

    /// Where a seek command moves partitions.
    public enum SeekTarget: String, Codable, Sendable, Hashable {
        /// The oldest record still on the broker.
        case earliest
        /// After the newest record.
        case latest
    }

    /// Unique per command; replies carry it.
    public var id: UUID
    /// When the command was issued.
    public var timestamp: Date
    /// What to do.
    public var action: Action

    /// Creates a command with a fresh id, issued now.
    public init(_ action: Action, id: UUID = UUID(), timestamp: Date = Date()) {
        self.id = id
        self.timestamp = timestamp
        self.action = action
    }
}

/// One instance's answer to a ``ControlCommand``, published on the reply topic as JSON.
public struct ControlReply: Codable, Sendable, Hashable {
    /// What happened on the instance.
    public enum Outcome: Codable, Sendable, Hashable {
        /// The command was applied.
        case applied
        /// No listener with that id runs on the instance.
        case unknownListener
        /// The command could not be applied.
        case failed(reason: String)
        /// The answer to a status command: the instance's listeners.
        case status([ListenerSummary])
    }

    /// One listener as a status reply reports it.
    ///
    /// ``groupId`` and ``children`` are newer than the other fields: a reply from an instance built before them
    /// decodes with both `nil`, so a reader must treat `nil` as "not reported", not as "no group" or "no children".
    public struct ListenerSummary: Codable, Sendable, Hashable {
        /// The listener's id.
        public var id: String
        /// Whether any child container runs.
        public var running: Bool
        /// Whether every running child is effectively paused.
        public var paused: Bool
        /// Whether a pause is requested on every child.
        public var pauseRequested: Bool
        /// The partitions assigned to the listener's children, as `topic-partition`.
        public var assignedPartitions: [String]
        /// The consumer group the listener's children join, for telling which group a partition owner belongs to.
        ///
        /// `nil` in replies from instances that predate the field.
        public var groupId: String?
        /// Each child container with the partitions it owns, for naming a partition's owner down to the child.
        ///
        /// `nil` in replies from instances that predate the field; otherwise one entry per child, in index order.
        public var children: [ChildSummary]?
        /// Every partition paused in the listener's consumers, with its reasons and scheduled resume, sorted.
        ///
        /// `nil` in replies from instances that predate the field.
        public var pausedPartitions: [PausedPartitionSummary]?

        /// Creates a summary.
        public init(
            id: String, running: Bool, paused: Bool, pauseRequested: Bool, assignedPartitions: [String],
            groupId: String? = nil,
            children: [ChildSummary]? = nil, pausedPartitions: [PausedPartitionSummary]? = nil
        ) {
            self.id = id
            self.running = running
            self.paused = paused
            self.pauseRequested = pauseRequested
            self.assignedPartitions = assignedPartitions
            self.groupId = groupId
            self.children = children
            self.pausedPartitions = pausedPartitions
        }

        private enum CodingKeys: String, CodingKey {
            case id, running, paused, pauseRequested, assignedPartitions, groupId, children, pausedPartitions
        }

        /// Decodes a summary; `groupId` and `children` may be absent (replies from older instances).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            running = try container.decode(Bool.self, forKey: .running)
            paused = try container.decode(Bool.self, forKey: .paused)
            pauseRequested = try container.decode(Bool.self, forKey: .pauseRequested)
            assignedPartitions = try container.decode([String].self, forKey: .assignedPartitions)
            groupId = try container.decodeIfPresent(String.self, forKey: .groupId)
            children = try container.decodeIfPresent([ChildSummary].self, forKey: .children)
            pausedPartitions = try container.decodeIfPresent([PausedPartitionSummary].self, forKey: .pausedPartitions)
        }
    }

    /// One partition paused in a listener's consumer, as a status reply reports it.
    public struct PausedPartitionSummary: Codable, Sendable, Hashable {
        /// The partition, as `topic-partition`.
        public var partition: String
        /// The child container that owns it.
        public var child: String
        /// Why it is paused (``PauseReason`` descriptions, sorted): `container`, `partition`, `nack`, ….
        public var reasons: [String]
        /// Seconds until it fetches again on its own, when every reason has a scheduled end.
        public var resumeInSeconds: Double?

        /// Creates a paused-partition summary.
        public init(partition: String, child: String, reasons: [String], resumeInSeconds: Double?) {
            self.partition = partition
            self.child = child
            self.reasons = reasons
            self.resumeInSeconds = resumeInSeconds
        }
    }

    /// One child container of a listener as a status reply reports it, for finding which child owns a partition.
    ///
    /// A child that does not run owns nothing, even if ``assignedPartitions`` still lists partitions from before it
    /// stopped; check ``running`` first.
    public struct ChildSummary: Codable, Sendable, Hashable {
        /// The child's id, `<listener id>-<n>`.
        public var id: String
        /// Whether the child's poll loop runs.
        public var running: Bool
        /// The partitions the child's consumer is assigned now, as `topic-partition`, sorted.
        public var assignedPartitions: [String]

        /// Creates a child summary.
        public init(id: String, running: Bool, assignedPartitions: [String]) {
            self.id = id
            self.running = running
            self.assignedPartitions = assignedPartitions
        }
    }

    /// The command answered (nil for a message that could not be decoded at all).
    public var commandId: UUID?
    /// The instance that answers.
    public var instanceId: String
    /// What happened.
    public var outcome: Outcome

    /// Creates a reply.
    public init(commandId: UUID?, instanceId: String, outcome: Outcome) {
        self.commandId = commandId
        self.instanceId = instanceId
        self.outcome = outcome
    }
}
