# The two entry points of the README: `make demo` and `make test`. Both install librdkafka-dev first.
.PHONY: deps demo test build bench

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build

demo: deps
	swift run QuickStart

# Suites that need no broker (state machines, parsers, fuzzing) run first and alone: they are CPU-bound, and run
# together with the broker suites they would starve those suites' waits on a 2-core machine.
UNIT_SUITES = Fuzz|PartitionTextTests|LibrdkafkaQuirksTests|CommitSchedulerTests|ContainerLifecycleTests|LivenessTests|PauseStateTests|CommittedOffsetPropertyTests|PartitionProgressTests|ControlSigningTests|TopicDeclarationTests|DeadLetterHeaderTests|RetryTopicPlanTests|BackOffTests|UnsecuredJWTConfigTests|EndpointRedactionTests|FailureTrackerTests|BatchInterruptionsTests|BrokerFreeListenerTests

test: deps
	swift build --build-tests
	swift test --skip-build --disable-xctest --filter '$(UNIT_SUITES)'
	swift test --skip-build --disable-xctest --skip '$(UNIT_SUITES)'

bench: deps
	swift run -c release --package-path Benchmarks ConsumerBenchmark
