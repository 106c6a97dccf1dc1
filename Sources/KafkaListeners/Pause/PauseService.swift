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
/// - Pauses take effect at the next poll boundary; `immediate: true` also stops delivering the rest of the
///   current poll's records (they are delivered again after the resume — nothing is skipped).
/// - A paused container keeps polling (no rebalance); partitions newly assigned to it stay paused.
/// - Scheduled resumes share one timer task.
public final class PauseService: Sendable {
    private let registry: ListenerRegistry
    private let logger: Logger
    private let scheduler: ResumeScheduler

    /// Creates a pause service over `registry`.
    public init(registry: ListenerRegistry, logger: Logger = Logger(label: "kafka.listeners.pause")) {
        self.registry = registry
        self.logger = logger
        let box = WeakRegistry(registry)
        let logger = logger
        self.scheduler = ResumeScheduler { target in
            guard let registry = box.registry else { return }
            do {
                _ = try PauseService.apply(resume: target, registry: registry)
                logger.info("resumed \(target) as scheduled")
            } catch {
                logger.warning("scheduled resume of \(target) failed: \(error)")
            }
        }
    }

    private final class WeakRegistry: Sendable {
        // Set once in init; a weak reference so the service does not keep the registry alive.
        nonisolated(unsafe) weak var registry: ListenerRegistry?
        init(_ registry: ListenerRegistry) { self.registry = registry }
    }

    /// Pauses `target`, for `duration` if given (then it resumes on its own).
    ///
    /// - Throws: ``ListenerError/unknownListenerId(_:)`` for an unknown listener or container id (blank
    ///   ids included), or ``ListenerError/invalidState(_:)`` for a partition no child owns.
    @discardableResult
    public func pause(_ target: PauseTarget, for duration: Duration? = nil, immediate: Bool = false) throws -> PauseOutcome {
        let newlyPaused = try Self.apply(pause: target, registry: registry, immediate: immediate)
        var resumeAt: ContinuousClock.Instant?
        let existing = scheduler.deadline(of: target)
        if let duration {
            let wanted = ContinuousClock.now + duration
            if newlyPaused || existing != nil {
                // Extend, never shorten.
                let deadline = max(existing ?? wanted, wanted)
                scheduler.schedule(target, at: deadline)
                resumeAt = deadline
            }
        } else if existing != nil {
            scheduler.cancel(target)
        }
        if !newlyPaused {
            logger.debug("\(target) was already paused\(resumeAt.map { "; resume now scheduled at \($0)" } ?? "")")
        } else {
            logger.info("paused \(target)\(duration.map { " for \($0)" } ?? "")")
        }
        return PauseOutcome(newlyPaused: newlyPaused, resumeAt: resumeAt)
    }

    /// Resumes `target` now and cancels its scheduled resume; returns whether it was paused.
    ///
    /// - Throws: as ``pause(_:for:immediate:)``.
    @discardableResult
    public func resume(_ target: PauseTarget) throws -> Bool {
        scheduler.cancel(target)
        let resumed = try Self.apply(resume: target, registry: registry)
        if resumed { logger.info("resumed \(target)") }
        return resumed
    }

    /// When `target` resumes on its own, if scheduled.
    public func scheduledResume(of target: PauseTarget) -> ContinuousClock.Instant? {
        scheduler.deadline(of: target)
    }

    /// Every scheduled resume.
    public var scheduledResumes: [PauseTarget: ContinuousClock.Instant] { scheduler.all }

    /// Forgets every scheduled resume (paused targets stay paused).
    public func shutdown() {
        scheduler.shutdown()
    }

    private static func containers(_ target: PauseTarget, _ registry: ListenerRegistry) throws -> [SingleContainer] {
        switch target {
        case .listener(let id):
            guard !id.allSatisfy(\.isWhitespace), let container = registry.container(id: id) else {
                throw ListenerError.unknownListenerId(id)
            }
            return container.children
        case .container(let id):
            guard !id.allSatisfy(\.isWhitespace), let child = registry.childContainer(id: id) else {
                throw ListenerError.unknownListenerId(id)
            }
            return [child]
        case .partition(let id, let tp):
            guard !id.allSatisfy(\.isWhitespace), let container = registry.container(id: id) else {
                throw ListenerError.unknownListenerId(id)
            }
            guard let owner = container.container(for: tp.topic, partition: tp.partition) else {
                throw ListenerError.invalidState("no child of listener '\(id)' owns \(tp) now")
            }
            return [owner]
        }
    }

    static func apply(pause target: PauseTarget, registry: ListenerRegistry, immediate: Bool) throws -> Bool {
        let children = try containers(target, registry)
        if case .partition(_, let tp) = target {
            return children[0].pause(tp, reason: .requested, immediate: immediate)
        }
        return children.map { $0.pause(immediate: immediate) }.contains(true)
    }

    static func apply(resume target: PauseTarget, registry: ListenerRegistry) throws -> Bool {
        let children = try containers(target, registry)
        if case .partition(_, let tp) = target {
            return children[0].resume(tp, reason: .requested)
        }
        return children.map { $0.resume() }.contains(true)
    }
}
