// swift-tools-version: 6.2
// Benchmarks for swift-kafka-listeners, kept in their own package so the root package does not pull in
// benchmark-only dependencies. Run from the repository root:
//
//     swift run -c release --package-path Benchmarks ConsumerBenchmark
import PackageDescription

let package = Package(
    name: "swift-kafka-listeners-benchmarks",
    dependencies: [
        .package(name: "swift-kafka-listeners", path: ".."),
        // Counts malloc/free calls of the whole process (all threads, librdkafka's included).
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.1"),
    ],
    targets: [
        .executableTarget(
            name: "ConsumerBenchmark",
            dependencies: [
                .product(name: "KafkaClient", package: "swift-kafka-listeners"),
                .product(name: "KafkaListeners", package: "swift-kafka-listeners"),
                .product(name: "KafkaListenersTesting", package: "swift-kafka-listeners"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
                "CHeapInfo",
            ]
        ),
        // glibc's heap-in-use figure (mallinfo2 is not visible through Swift's Glibc module).
        .target(name: "CHeapInfo"),
        .executableTarget(
            name: "WorkerBenchmark",
            dependencies: [
                .product(name: "KafkaClient", package: "swift-kafka-listeners"),
                .product(name: "KafkaListeners", package: "swift-kafka-listeners"),
                .product(name: "KafkaListenersTesting", package: "swift-kafka-listeners"),
            ]
        ),
    ]
)
