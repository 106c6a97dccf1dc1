# The two entry points of the README: `make demo` and `make test`. Both install librdkafka-dev first.
.PHONY: deps demo test build bench

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build

demo: deps
	swift run QuickStart

test: deps
	swift build --build-tests
	swift test --skip-build --disable-xctest

bench: deps
	swift run -c release --package-path Benchmarks ConsumerBenchmark
