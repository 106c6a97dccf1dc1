import KafkaClient

/// The retry and dead-letter topics of one main topic, and where a failed record goes next. Pure: no I/O, no clock.
struct RetryTopicPlan: Sendable, Equatable {
    /// One retry topic and the wait before the records it holds are due.
    struct Stage: Sendable, Equatable {
        var topic: String
        var delay: Duration
    }

    /// Where a record that just failed goes.
    enum Destination: Sendable, Equatable {
        /// To `topic`, due `delay` after now; `attempt` is the number of the attempt it will be.
        case retry(topic: String, delay: Duration, attempt: Int)
        /// To the dead-letter topic.
        case deadLetter(topic: String)
        /// Nowhere (dead letters are disabled): logged and dropped.
        case drop
    }

    let mainTopic: String
    /// The retry before attempt `n + 2` (index `n`): attempts − 1 of them, in order; names repeat where they share.
    let retries: [Stage]
    /// The dead-letter topic, or `nil` when dead letters are disabled.
    let deadLetterTopic: String?

    init(mainTopic: String, configuration: RetryTopics) {
        self.mainTopic = mainTopic
        let count = max(configuration.attempts - 1, 0)
        var retries: [Stage] = []
        for retry in 1...max(count, 1) where count > 0 {
            let delay = configuration.delay(beforeRetry: retry)
            let name: String
            switch (configuration.backOff, configuration.naming) {
            case (.fixed, _): name = mainTopic + configuration.retrySuffix
            case (_, .delayValue): name = "\(mainTopic)\(configuration.retrySuffix)-\(Self.milliseconds(delay))"
            case (_, .indexValue): name = "\(mainTopic)\(configuration.retrySuffix)-\(retry - 1)"
            }
            retries.append(Stage(topic: name, delay: delay))
        }
        self.retries = retries
        switch configuration.deadLetter {
        case .enabled: deadLetterTopic = mainTopic + configuration.deadLetterSuffix
        case .disabled: deadLetterTopic = nil
        }
    }

    /// The distinct retry topics, in order of first use.
    var retryTopics: [String] {
        var seen: Set<String> = []
        return retries.map(\.topic).filter { seen.insert($0).inserted }
    }

    /// Every topic this plan needs: the retry topics and the dead-letter topic.
    var topics: [String] { retryTopics + (deadLetterTopic.map { [$0] } ?? []) }

    /// Where a record goes after its attempt number `attempt` (1: the first, on the main topic) failed.
    func next(afterFailedAttempt attempt: Int, retryable: Bool) -> Destination {
        let index = attempt - 1
        if retryable, index >= 0, index < retries.count {
            return .retry(topic: retries[index].topic, delay: retries[index].delay, attempt: attempt + 1)
        }
        return deadLetterTopic.map { .deadLetter(topic: $0) } ?? .drop
    }

    /// The longest wait of any retry (a due time further away than this is not believed).
    var longestDelay: Duration { retries.map(\.delay).max() ?? .zero }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (wholeMs, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : wholeMs.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue
    }
}
