import KafkaClient

extension SingleContainer {
    /// After a poll's records were handled: asks the throttle for a delay and, if there is one, pauses this
    /// container's partitions for it (pause reason `throttle`, lifted at the first poll boundary after it).
    func applyThrottle(_ throttle: Throttle) async {
        let load = await throttle.monitor.load()
        let delay = throttle.calculator.delay(forLoad: load)
        state.withLock { $0.throttleDelay = delay }
        let (seconds, attoseconds) = delay.components
        metrics.throttleDelay.record(Double(seconds) + Double(attoseconds) / 1e18)
        guard delay > .zero else { return }
        let until = ContinuousClock.now + delay
        for tp in tracker.assignedPartitions { tracker.addPause(tp, .throttle, until: until) }
        markPausesDirty()
        logger.debug("throttled for \(delay) at \(load) % load")
    }
}
