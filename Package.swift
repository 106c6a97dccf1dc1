// swift-tools-version: 6.2
import CompilerPluginSupport
import PackageDescription

let package = Package(
    name: "swift-kafka-listeners",
    products: [
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
        .library(name: "KafkaListeners", targets: ["KafkaListeners"]),
        .library(name: "KafkaListenersTesting", targets: ["KafkaListenersTesting"]),
        .library(name: "KafkaListenersAdmin", targets: ["KafkaListenersAdmin"]),
        .library(name: "KafkaListenersConfiguration", targets: ["KafkaListenersConfiguration"]),
        .library(name: "KafkaListenersMacros", targets: ["KafkaListenersMacros"]),
        .executable(name: "GroupDemo", targets: ["GroupDemo"]),
        .executable(name: "kafka-listeners", targets: ["KafkaListenersCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/swiftlang/swift-syntax.git", from: "603.0.0"),
        .package(url: "https://github.com/pointfreeco/swift-macro-testing.git", from: "0.7.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // `make docs`: `swift package generate-documentation` (build-time only; no target depends on it).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // librdkafka, seen through one shim header (rdkafka.h, then rdkafka_mock.h).
        .systemLibrary(
            name: "Crdkafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // Safe Swift over librdkafka: configuration, consumer, producer, admin. No framework policy.
        .target(
            name: "KafkaClient",
            dependencies: [
                "Crdkafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // The listener framework: containers, registry, ack modes (built up issue by issue).
        .target(
            name: "KafkaListeners",
            dependencies: [
                "KafkaClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // EmbeddedKafka (librdkafka's mock cluster, in-process), test helpers, and ListenerTestKit (listeners
        // tested without a broker, so it builds on KafkaListeners).
        .target(
            name: "KafkaListenersTesting",
            dependencies: [
                "Crdkafka",
                "KafkaClient",
                "KafkaListeners",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Optional: HTTP admin endpoints on Hummingbird (a heavy dependency, kept out of the core).
        .target(
            name: "KafkaListenersAdmin",
            dependencies: [
                "KafkaClient", "KafkaListeners",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The `kafka-listeners` command-line tool (swift-argument-parser stays out of the libraries).
        .executableTarget(
            name: "KafkaListenersCLI",
            dependencies: [
                "KafkaClient", "KafkaListeners", "KafkaListenersTesting", "KafkaListenersCLICore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The CLI's parsers and output escaping, apart from the executable so tests (and fuzz tests) can reach them.
        .target(
            name: "KafkaListenersCLICore",
            dependencies: ["KafkaClient"]
        ),
        // Optional: listener settings read with swift-configuration (environment, JSON, YAML and other providers).
        .target(
            name: "KafkaListenersConfiguration",
            dependencies: [
                "KafkaListeners",
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        // Optional: the @KafkaListener / @KafkaListeners macros (swift-syntax stays out of the core targets).
        .macro(
            name: "KafkaListenersMacrosPlugin",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ]
        ),
        .target(
            name: "KafkaListenersMacros",
            dependencies: ["KafkaListeners", "KafkaListenersMacrosPlugin"]
        ),
        .executableTarget(
            name: "GroupDemo",
            dependencies: ["KafkaClient", "KafkaListenersTesting"],
            path: "Samples/GroupDemo"
        ),
        .executableTarget(
            name: "ListenerDemo",
            dependencies: ["KafkaClient", "KafkaListeners", "KafkaListenersTesting"],
            path: "Samples/ListenerDemo"
        ),
        .executableTarget(
            name: "RequestReplyDemo",
            dependencies: ["KafkaClient", "KafkaListeners", "KafkaListenersTesting"],
            path: "Samples/RequestReply"
        ),
        .executableTarget(
            name: "RetryTopicsDemo",
            dependencies: ["KafkaClient", "KafkaListeners", "KafkaListenersTesting"],
            path: "Samples/RetryTopics"
        ),
        .executableTarget(
            name: "QuickStart",
            dependencies: ["KafkaClient", "KafkaListeners", "KafkaListenersMacros", "KafkaListenersTesting"],
            path: "Samples/QuickStart"
        ),
        .executableTarget(
            name: "GettingStarted",
            dependencies: [
                "KafkaClient", "KafkaListeners", "KafkaListenersTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Samples/GettingStarted"
        ),
        .executableTarget(
            name: "PauseResume",
            dependencies: [
                "KafkaClient", "KafkaListeners", "KafkaListenersAdmin", "KafkaListenersTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Samples/PauseResume",
            exclude: ["README.md"]
        ),
        .executableTarget(
            name: "Throttling",
            dependencies: [
                "KafkaClient", "KafkaListeners", "KafkaListenersTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Samples/Throttling"
        ),
        .executableTarget(
            name: "GracefulShutdown",
            dependencies: [
                "KafkaClient", "KafkaListeners", "KafkaListenersTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Samples/GracefulShutdown"
        ),
        // The chaos suite (`make chaos`, Docs/Reliability.md): the pure schedule and invariant checker, the broker and
        // application processes, and the driver. Not part of `make test` (ChaosKitTests, broker-free, is).
        .target(name: "ChaosKit", path: "Chaos/ChaosKit"),
        .executableTarget(
            name: "ChaosApp",
            dependencies: [
                "ChaosKit", "KafkaClient", "KafkaListeners",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Chaos/App"
        ),
        .executableTarget(name: "ChaosBroker", dependencies: ["KafkaListenersTesting"], path: "Chaos/Broker"),
        .executableTarget(
            name: "ChaosDriver",
            dependencies: [
                "ChaosKit", "KafkaClient", "KafkaListenersTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Chaos/Driver"
        ),
        .testTarget(
            name: "KafkaClientTests",
            dependencies: ["KafkaClient", "KafkaListenersTesting", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "KafkaListenersAdminTests",
            dependencies: ["KafkaClient", "KafkaListeners", "KafkaListenersAdmin", "KafkaListenersTesting"]
        ),
        .testTarget(
            name: "KafkaListenersConfigurationTests",
            dependencies: [
                "KafkaClient", "KafkaListeners", "KafkaListenersConfiguration", "KafkaListenersTesting",
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        .testTarget(
            name: "KafkaListenersMacrosTests",
            dependencies: [
                "KafkaListenersMacrosPlugin",
                .product(name: "MacroTesting", package: "swift-macro-testing"),
                .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax"),
            ]
        ),
        .testTarget(
            name: "KafkaListenersTests",
            dependencies: [
                "KafkaClient", "KafkaListeners", "KafkaListenersMacros", "KafkaListenersTesting",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Tests of KafkaListenersTesting written as a user would: public API only (no @testable import).
        .testTarget(
            name: "KafkaListenersTestingTests",
            dependencies: ["KafkaClient", "KafkaListeners", "KafkaListenersTesting"]
        ),
        // The code blocks of README.md and Docs/, compiled by `make doc-snippets` (scripts/doc-snippets.py writes them
        // into Tests/DocSnippets/Generated/ and removes them afterwards); on its own it holds only their context.
        .testTarget(
            name: "DocSnippets",
            dependencies: [
                "KafkaClient", "KafkaListeners", "KafkaListenersAdmin", "KafkaListenersConfiguration",
                "KafkaListenersMacros", "KafkaListenersTesting",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "ChaosKitTests", dependencies: ["ChaosKit"]),
        .testTarget(
            name: "KafkaListenersCLITests",
            dependencies: ["KafkaClient", "KafkaListeners", "KafkaListenersTesting", "KafkaListenersCLICore"]
        ),
    ]
)
