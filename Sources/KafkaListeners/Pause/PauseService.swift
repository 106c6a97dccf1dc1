import KafkaClient
import Logging

/// Pauses and resumes listeners, child containers or single partitions, now or for a while
/// (Spring-Kafka's pause/resume plus a scheduled resume, as in seeds 000 and 003).
///
/// Rules:
/// - Pausing is idempotent: pausing a paused target does not stack (logged once at debug).
/// - A timed pause schedules a resume. A later pause with a *longer* remaining time extends it; a shorter
///   one never shortens it; an untimed pause of a target paused for a while makes it paused until resumed.
/// - `resume` resumes at once and cancels a scheduled resume.
/// - A container pause and a partition pause are independent: each has its own pause reason
///   (``PauseReason/container``, ``PauseReason/partition``), and resuming one never lifts the other, nor a
///   pause of any other source (nack, back-off, throttle, rebalance hold).
/// - Pauses take effect at the next poll boundary; `immediate: true` also stops delivering the rest of the
///   current poll's records (they are delivered again after the resume — nothing is skipped).
/// - A paused container keeps polling (no rebalance); partitions newly assigned to it stay paused.
/// - A partition pause is recorded by every child of the listener, so it holds in whichever child owns the
///   partition, now or after a rebalance, until it is resumed.
/// - Each container keeps its own scheduled resumes and applies them at its poll boundaries: no timer task.
public final class PauseService: Sendable {
    private let registry: ListenerRegistry
    private let logger: Logger

    /// Creates a pause service over `registry`.
    public init(registry: ListenerRegistry, logger: Logger = Logger(label: "kafka.listeners.pause")) {
        self.registry = registry
        self.logger = logger
    }

    /// Pauses `target`, for `duration` if given (then it resumes on its own).
    ///
    /// - Throws: ``ListenerError/unknownListenerId(_:)`` for an unknown listener or container id (blank
    ///   ids included), or ``ListenerError/invalidState(_:)`` for a partition of a topic the listener does not
    ///   consume, or a negative partition number.
    @discardableResult
    public func pause(
        _ target: PauseTarget, for duration: Duration? = nil, immediate: Bool = false
    ) throws -> PauseOutcome {
        let (children, scope) = try Self.resolve(target, registry)
        let deadline = duration.map { ContinuousClock.now + $0 }
        let outcomes = children.map { $0.requestPause(scope, until: deadline, immediate: immediate) }
        let outcome = PauseOutcome(
            newlyPaused: outcomes.contains(where: \.newlyPaused), resumeAt: Self.latest(outcomes.map(\.resumeAt)))
        if !outcome.newlyPaused {
            logger.debug(
                "\(target) was already paused\(outcome.resumeAt.map { "; resume now scheduled at \($0)" } ?? "")")
        } else {
            logger.info("paused \(target)\(duration.map { " for \($0)" } ?? "")")
        }
        return outcome
    }

    /// Resumes `target` now and cancels its scheduled resume; returns whether it was paused.
    ///
    /// - Throws: as ``pause(_:for:immediate:)``.
    @discardableResult
    public func resume(_ target: PauseTarget) throws -> Bool {
        let (children, scope) = try Self.resolve(target, registry)
        let resumed = children.map { $0.withdrawPause(scope) }.contains(true)
        if resumed { logger.info("resumed \(target)") }
        return resumed
    }

    /// When `target` resumes on its own, if scheduled (for a listener: the last of its children's).
    public func scheduledResume(of target: PauseTarget) -> ContinuousClock.Instant? {
        guard let (children, scope) = try? Self.resolve(target, registry) else { return nil }
        let deadlines = children.compactMap { $0.scheduledResume(of: scope) }
        return deadlines.max()
    }

    /// Every scheduled resume: per listener when every child of it resumes at the same time, else per child;
    /// and per partition.
    public var scheduledResumes: [PauseTarget: ContinuousClock.Instant] {
        var all: [PauseTarget: ContinuousClock.Instant] = [:]
        for id in registry.listenerIds {
            guard let container = registry.container(id: id) else { continue }
            let children = container.children
            let deadlines = children.map { $0.scheduledResume(of: .container) }
            if let first = deadlines.first ?? nil, deadlines.allSatisfy({ $0 == first }) {
                all[.listener(id)] = first
            } else {
                for (child, deadline) in zip(children, deadlines) {
                    if let deadline { all[.container(child.id)] = deadline }
                }
            }
            for child in children {
                for case let (tp, deadline?) in child.status.requestedPartitionPauses {
                    all[.partition(listenerId: id, tp)] = max(all[.partition(listenerId: id, tp)] ?? deadline, deadline)
                }
            }
        }
        return all
    }

    /// The last of `deadlines`, or `nil` when any is `nil` (some part stays paused until resumed).
    private static func latest(_ deadlines: [ContinuousClock.Instant?]) -> ContinuousClock.Instant? {
        var latest: ContinuousClock.Instant?
        for deadline in deadlines {
            guard let deadline else { return nil }
            latest = max(latest ?? deadline, deadline)
        }
        return latest
    }

    /// The child containers a target's request goes to, and what it pauses in each.
    private static func resolve(
        _ target: PauseTarget, _ registry: ListenerRegistry
    ) throws -> ([SingleContainer], PauseScope) {
        switch target {
        case .listener(let id):
            guard !id.allSatisfy(\.isWhitespace), let container = registry.container(id: id) else {
                throw ListenerError.unknownListenerId(id)
            }
            return (container.children, .container)
        case .container(let id):
            guard !id.allSatisfy(\.isWhitespace), let child = registry.childContainer(id: id) else {
                throw ListenerError.unknownListenerId(id)
            }
            return ([child], .container)
        case .partition(let id, let tp):
            guard !id.allSatisfy(\.isWhitespace), let container = registry.container(id: id) else {
                throw ListenerError.unknownListenerId(id)
            }
            guard tp.partition >= 0 else {
                throw ListenerError.invalidState("partition numbers start at 0, not \(tp.partition)")
            }
            guard container.endpoint.selection.mayInclude(tp) else {
                throw ListenerError.invalidState(
                    "listener '\(id)' does not consume \(tp) (it reads \(container.endpoint.selection))")
            }
            // Every child records it: the partition may move between children in a rebalance.
            return (container.children, .partition(tp))
        }
    }
}
