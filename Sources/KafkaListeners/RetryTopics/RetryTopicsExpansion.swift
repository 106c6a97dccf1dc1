import KafkaClient
import Logging

/// A listener with retry topics, expanded into what runs it: the main endpoint (whose failures are forwarded
/// instead of retried in place), one endpoint per retry topic (the same listener, holding records until they are
/// due), the dead-letter handler's endpoint if it has one, and the topics they need.
struct RetryTopicsExpansion {
    /// The main endpoint first, then the retry endpoints, then the dead-letter handler's.
    var endpoints: [ListenerEndpoint]

    /// Expands `listener`; throws for a selection or listener retry topics cannot serve.
    init(_ listener: DeclaredListener, retry: RetryTopics, baseConfiguration: KafkaConfiguration, logger: Logger) throws
    {
        let main = listener.endpoint
        let plans = try Self.plans(main, retry)
        guard let handler = main.listener.recordHandler, !main.listener.isBatch else {
            throw ListenerError.invalidEndpoint(
                id: main.id, reason: "retry topics need a record listener, not a batch listener")
        }
        let producer = try KafkaProducer(configuration: baseConfiguration, logger: logger)
        var forwarders: [String: RetryTopicForwarder] = [:]
        for plan in plans {
            forwarders[plan.mainTopic] = RetryTopicForwarder(
                plan: plan, configuration: retry, producer: producer, consumerGroup: main.effectiveGroupId,
                logger: logger)
        }
        let forwarding = ErrorHandler(
            backOff: .none,
            recoverer: .custom { [forwarders] record, error, _ in
                // A retry topic's record names its main topic in the headers of its first failure.
                let mainTopic = DeadLetterInfo(headers: record.headers).originalTopic ?? record.topic
                guard let forwarder = forwarders[mainTopic] ?? forwarders[record.topic] else {
                    throw ListenerError.invalidState("no retry topics for '\(InputExcerpt.of(mainTopic))'")
                }
                try await forwarder.forward(record, error: error)
            })
        var first = main
        first.errorHandler = forwarding
        var endpoints = [first]
        for plan in plans {
            for (index, topic) in plan.retryTopics.enumerated() {
                var stage = main
                let suffix = plans.count == 1 ? String(topic.dropFirst(plan.mainTopic.count)) : "-\(topic)"
                stage.id = "\(main.id)\(suffix.isEmpty ? "-retry-\(index)" : suffix)"
                stage.groupId = main.effectiveGroupId + (suffix.isEmpty ? "-retry-\(index)" : suffix)
                stage.clientIdPrefix = nil
                stage.selection = .topics([topic])
                // Whatever arrives in a retry topic is owed an attempt, also before the group's first commit.
                stage.consumerProperties["auto.offset.reset"] = "earliest"
                stage.perPartition = nil
                stage.throttle = nil
                stage.errorHandler = forwarding
                stage.listener = .record(RetryTopics.holding(handler, longestDelay: plan.longestDelay))
                endpoints.append(stage)
            }
        }
        if case .enabled(let dltHandler?, let autoStart) = retry.deadLetter {
            let topics = plans.compactMap(\.deadLetterTopic)
            var dlt = ListenerEndpoint(
                id: "\(main.id)\(retry.deadLetterSuffix)", selection: .topics(topics), listener: .record(dltHandler),
                groupId: main.effectiveGroupId + retry.deadLetterSuffix,
                ackMode: main.ackMode == .record ? .record : .batch,
                autoStartup: main.autoStartup && autoStart,
                consumerProperties: main.consumerProperties.merging(["auto.offset.reset": "earliest"]) { $1 })
            dlt.interceptors = main.interceptors
            endpoints.append(dlt)
        }
        self.endpoints = endpoints
    }

    /// The topics `listener`'s retry topics need, to be provisioned at start.
    static func topics(_ listener: DeclaredListener, _ retry: RetryTopics) throws -> [TopicDeclaration] {
        try plans(listener.endpoint, retry).flatMap(\.topics).map {
            TopicDeclaration($0, partitions: retry.topicPartitions, replicationFactor: retry.replicationFactor)
        }
    }

    /// One plan per main topic; checks what retry topics need of the endpoint and the configuration.
    static func plans(_ main: ListenerEndpoint, _ retry: RetryTopics) throws -> [RetryTopicPlan] {
        func fail(_ reason: String) -> ListenerError { .invalidEndpoint(id: main.id, reason: reason) }
        guard case .topics(let topics) = main.selection else {
            throw fail("retry topics need named topics, not a pattern or explicit partitions")
        }
        if retry.attempts < 2 { throw fail("retry topics need at least 2 attempts, got \(retry.attempts)") }
        if retry.attempts > 100 { throw fail("retry topics allow at most 100 attempts, got \(retry.attempts)") }
        if retry.retrySuffix.isEmpty || retry.deadLetterSuffix.isEmpty || retry.retrySuffix == retry.deadLetterSuffix {
            throw fail("the retry and dead-letter suffixes must be distinct and not empty")
        }
        if case .exponential(_, let multiplier, _) = retry.backOff, !(multiplier.isFinite && multiplier >= 1) {
            throw fail("the back-off multiplier must be a finite number of at least 1, got \(multiplier)")
        }
        let plans = topics.map { RetryTopicPlan(mainTopic: $0, configuration: retry) }
        for name in plans.flatMap(\.topics) {
            do { try TopicName.validate(name) } catch let error as KafkaError { throw fail(error.message) }
        }
        return plans
    }
}
