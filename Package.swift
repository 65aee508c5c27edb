// swift-tools-version:6.1
import Foundation
import PackageDescription

// librdkafka >= 2.8 comes from the system (pkg-config `rdkafka`) or, when scripts/setup.sh built it,
// from the project-local prefix .deps/librdkafka; binaries then carry an rpath to it, so they never
// fall back to an older system library at run time.
let localRdKafka = Context.packageDirectory + "/.deps/librdkafka"
let hasLocalRdKafka = FileManager.default.fileExists(atPath: localRdKafka + "/lib/librdkafka.so")
let rdkafkaSwiftSettings: [SwiftSetting] =
    hasLocalRdKafka ? [.unsafeFlags(["-Xcc", "-I\(localRdKafka)/include"])] : []
let rdkafkaLinkerSettings: [LinkerSetting] =
    hasLocalRdKafka
    ? [.unsafeFlags(["-L\(localRdKafka)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(localRdKafka)/lib"])]
    : []

let package = Package(
    name: "Flywheel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flywheel", targets: ["FlywheelCLI"]),
        .executable(name: "flywheel-benchmark", targets: ["FlywheelBenchmark"]),
        .library(name: "FlywheelKafka", targets: ["FlywheelKafka"]),
        .library(name: "FlywheelEvents", targets: ["FlywheelEvents"]),
        .library(name: "FlywheelRules", targets: ["FlywheelRules"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev (>= 2.8)"])]
        ),
        // jemalloc replaces the C library's allocator in the `flywheel` binary (Linux): the pipeline's threads
        // hand records to each other, which glibc's per-thread caches serve poorly (see docs/benchmarks.md).
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        .target(
            name: "FlywheelKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings + [.linkedLibrary("rdkafka")]
        ),
        // The engine's events: JSON, CloudEvents and their Kafka binding; no Kafka client, HTTP or CLI.
        .target(name: "FlywheelEvents"),
        // The rule engine; like FlywheelEvents it knows nothing of Kafka, HTTP or the CLI.
        // Reading YAML documents field by field, with file:line:column diagnostics and hints.
        .target(name: "FlywheelYAML", dependencies: ["FlywheelEvents", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "FlywheelRules",
            dependencies: [
                "FlywheelEvents",
                "FlywheelYAML",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The live stages between Kafka and the engine: intake with dead-lettering, and (later) rules and triggers.
        .target(
            name: "FlywheelPipeline",
            dependencies: [
                "FlywheelKafka", "FlywheelEvents",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        // flywheel serve: configuration, the live pipeline with durable state, health and metrics.
        .target(
            name: "FlywheelService",
            dependencies: [
                "FlywheelKafka", "FlywheelEvents", "FlywheelRules", "FlywheelPipeline", "FlywheelYAML",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        // Topics as code: topics/*.yaml specifications, compared with and applied to a cluster.
        .target(
            name: "FlywheelTopics",
            dependencies: ["FlywheelKafka", "FlywheelEvents", "FlywheelYAML", .product(name: "Yams", package: "Yams")],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        .executableTarget(
            name: "FlywheelCLI",
            dependencies: [
                "FlywheelKafka",
                "FlywheelTopics",
                "FlywheelEvents",
                "FlywheelPipeline",
                "FlywheelRules",
                "FlywheelService",
                .target(name: "CJemalloc", condition: .when(platforms: [.linux])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        // Heap statistics from the C library, for the benchmark's memory-per-key figures.
        .target(name: "CHeapStatistics"),
        .executableTarget(
            name: "FlywheelBenchmark",
            dependencies: [
                "CHeapStatistics",
                "FlywheelKafka",
                "FlywheelEvents",
                "FlywheelPipeline",
                "FlywheelRules",
                "FlywheelService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        .target(
            name: "FlywheelTestSupport",
            dependencies: ["FlywheelKafka", .product(name: "Logging", package: "swift-log")],
            path: "Tests/FlywheelTestSupport",
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        .testTarget(
            name: "FlywheelKafkaTests",
            dependencies: ["FlywheelKafka", "FlywheelTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        .testTarget(
            name: "FlywheelEventsTests",
            dependencies: ["FlywheelEvents"]
        ),
        .testTarget(
            name: "FlywheelRulesTests",
            dependencies: ["FlywheelRules", "FlywheelEvents"]
        ),
        .testTarget(
            name: "FlywheelServiceTests",
            dependencies: [
                "FlywheelService", "FlywheelPipeline", "FlywheelKafka", "FlywheelYAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        .testTarget(
            name: "FlywheelTopicsTests",
            dependencies: ["FlywheelTopics", "FlywheelTestSupport"],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
        .testTarget(
            name: "FlywheelIntegrationTests",
            dependencies: [
                "FlywheelKafka", "FlywheelEvents", "FlywheelPipeline", "FlywheelRules", "FlywheelService", "FlywheelTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: rdkafkaSwiftSettings,
            linkerSettings: rdkafkaLinkerSettings
        ),
    ]
)
