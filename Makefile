# The two entry points of the README: `make demo` and `make test`. Both install librdkafka-dev first.
.PHONY: deps demo test build bench docs doc-snippets format format-check chaos chaos-cooperative chaos-short chaos-selftest chaos-build

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build

demo: deps
	swift run QuickStart

# Suites that need no broker (state machines, parsers, fuzzing) run first and alone: they are CPU-bound, and run
# together with the broker suites they would starve those suites' waits on a 2-core machine.
UNIT_SUITES = Fuzz|ListenerFormTests|PartitionTextTests|LibrdkafkaQuirksTests|CommitSchedulerTests|ContainerLifecycleTests|LivenessTests|PauseStateTests|CommittedOffsetPropertyTests|PartitionProgressTests|ControlSigningTests|TopicDeclarationTests|DeadLetterHeaderTests|RetryTopicPlanTests|BackOffTests|UnsecuredJWTConfigTests|EndpointRedactionTests|FailureTrackerTests|BatchInterruptionsTests|BrokerFreeListenerTests|SeekPositionResolutionTests|ChunkCutoffsTests|TransactionCycleTests|ReplyHeaderTests|ChaosScheduleTests|ChaosLogLineTests|ChaosCheckerTests|ChaosAssignmentTests

test: deps
	swift build --build-tests
	swift test --skip-build --disable-xctest --filter '$(UNIT_SUITES)'
	swift test --skip-build --disable-xctest --skip '$(UNIT_SUITES)'

bench: deps
	swift run -c release --package-path Benchmarks ConsumerBenchmark

# DocC archives of every library module (.build/plugins/Swift-DocC/outputs/<Module>.doccarchive). Fails on any DocC
# warning (a broken symbol link, a topic that names nothing, a malformed catalog): docc runs with --warnings-as-errors,
# and a warning line left in the output fails the target too (SwiftPM's notes on dependencies' unhandled files aside).
DOC_TARGETS = KafkaClient KafkaListeners KafkaListenersTesting KafkaListenersAdmin KafkaListenersConfiguration KafkaListenersMacros

docs: deps
	@mkdir -p .build
	@{ swift package generate-documentation $(addprefix --target ,$(DOC_TARGETS)) --warnings-as-errors 2>&1; \
		echo $$? > .build/docs.status; } | tee .build/docs.log
	@test "$$(cat .build/docs.status)" = 0 || { echo "make docs: generate-documentation failed"; exit 1; }
	@! grep -E '(^|: )warning: ' .build/docs.log | grep -v 'which are unhandled; explicitly declare them' || \
		{ echo "make docs: warnings above"; exit 1; }

# The formatter configuration is `.swift-format` (swift-format ships with the toolchain). `make format` rewrites the
# tree; `make format-check` fails on any file that differs from its formatted form, and runs in `.ci/run`.
FORMAT_PATHS = Package.swift Sources Tests Samples Chaos Benchmarks/Package.swift Benchmarks/Sources

format:
	swift format format --in-place --recursive --parallel $(FORMAT_PATHS)

format-check:
	swift format lint --strict --recursive --parallel $(FORMAT_PATHS)

# Every ```swift block of README.md and Docs/*.md compiles: scripts/doc-snippets.py writes them into the DocSnippets
# test target (Tests/DocSnippets/Generated/, removed afterwards) and the package's own build compiles that target.
# `…` in a block stands for code left out; a deliberate fragment is marked with `<!-- fragment -->` before its fence.
doc-snippets: deps
	@bash scripts/check-doc-snippets.sh

# The chaos suite (Docs/Reliability.md): a broker process, application processes killed with SIGKILL and SIGTERM,
# joining every second, brokers going down and up, while records are produced; then the at-least-once invariants,
# checked against the broker. Prints the table of runs; exits non-zero if an invariant failed. Not part of `make test`.
# `make chaos` runs every ack mode and container kind (about 15 minutes on 2 cores; `make chaos-cooperative` the
# cooperative-sticky assignor, which librdkafka 2.0.2 does not survive); `make chaos-short` is the CI run
# (2 processes, 5 kills, one broker restart, the ack mode rotating by day; CHAOS_ARGS="--rotation N" picks one);
# `make chaos-selftest` runs a deliberately broken app (commit before handling) and fails unless the checker catches it.
CHAOS_ARGS ?=

chaos-build: deps
	swift build --product ChaosBroker
	swift build --product ChaosApp
	swift build --product ChaosDriver

chaos: chaos-build
	.build/debug/ChaosDriver full $(CHAOS_ARGS)

chaos-cooperative: chaos-build
	.build/debug/ChaosDriver cooperative $(CHAOS_ARGS)

chaos-short: chaos-build
	.build/debug/ChaosDriver short $(CHAOS_ARGS)

chaos-selftest: chaos-build
	.build/debug/ChaosDriver selftest
