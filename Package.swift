// swift-tools-version: 6.1
// LLM Benchmark Studio. Layout and the reasons for it: docs/architecture.md.
// The arrows point inward: studio (CLI) → Host targets → PluginABI / StudioJSON.
// Shipped Swift plugins are dynamic library products named `studio_<id>` so the host
// recognises them next to its executable; C plugins are built by `make` with `cc`.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "studio",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "studio", targets: ["studio"]),
        .library(name: "studio_openai", type: .dynamic, targets: ["OpenAIProvider"]),
        .library(name: "studio_anthropic", type: .dynamic, targets: ["AnthropicProvider"]),
        .library(name: "studio_gemini", type: .dynamic, targets: ["GeminiProvider"]),
        .library(name: "studio_toolcall", type: .dynamic, targets: ["ToolCallScorer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/async-kit", from: "1.22.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    ],
    targets: [
        // The contract: C headers only. Everything else may change around it.
        .target(name: "PluginABI", path: "Sources/PluginABI"),
        // JSON values, parser, writer and JSON Schema checks shared by host and plugins.
        .target(name: "StudioJSON", path: "Sources/StudioJSON", swiftSettings: strict),
        // Swift layer for plugin authors: protocols in, C ABI out. Never linked by the host.
        .target(name: "PluginKit", dependencies: ["PluginABI", "StudioJSON"],
                path: "Sources/PluginKit", swiftSettings: strict),

        // Host: one target per concern.
        .target(name: "HostPlugins",
                dependencies: ["PluginABI", "StudioJSON", "HostSecurity", .product(name: "Crypto", package: "swift-crypto")],
                path: "Sources/Host/Plugins", swiftSettings: strict),
        .target(name: "HostMeasurement", dependencies: [],
                path: "Sources/Host/Measurement", swiftSettings: strict),
        .target(name: "HostSecurity", dependencies: [],
                path: "Sources/Host/Security", swiftSettings: strict),
        .target(name: "HostTransport",
                dependencies: ["HostMeasurement", "HostPlugins", "HostSecurity", "StudioJSON",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOHTTP1", package: "swift-nio"),
                               .product(name: "NIOSSL", package: "swift-nio-ssl")],
                path: "Sources/Host/Transport", swiftSettings: strict),
        .target(name: "HostStorage",
                dependencies: ["StudioJSON",
                               .product(name: "SQLKit", package: "sql-kit"),
                               .product(name: "SQLiteKit", package: "sqlite-kit"),
                               .product(name: "PostgresKit", package: "postgres-kit"),
                               .product(name: "AsyncKit", package: "async-kit"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/Host/Storage", swiftSettings: strict),
        .target(name: "HostAuth",
                dependencies: ["HostStorage", "StudioJSON",
                               .product(name: "Crypto", package: "swift-crypto"),
                               .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                               .product(name: "SQLKit", package: "sql-kit")],
                path: "Sources/Host/Auth", swiftSettings: strict),
        .target(name: "HostParams", dependencies: ["StudioJSON"],
                path: "Sources/Host/Params", swiftSettings: strict),
        .target(name: "HostConfig", dependencies: ["StudioJSON", .product(name: "Yams", package: "Yams")],
                path: "Sources/Host/Config", swiftSettings: strict),
        .target(name: "HostBenchmark",
                dependencies: ["HostMeasurement", "HostTransport", "HostPlugins", "HostParams", "HostConfig", "HostSimulator", "StudioJSON"],
                path: "Sources/Host/Benchmark", swiftSettings: strict),
        .target(name: "HostSimulator",
                dependencies: ["HostMeasurement", "StudioJSON",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "HTTPTypes", package: "swift-http-types"),
                               .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                               .product(name: "HummingbirdCore", package: "hummingbird"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/Host/Simulator", swiftSettings: strict),
        .target(name: "HostScoring", dependencies: ["HostPlugins", "StudioJSON"],
                path: "Sources/Host/Scoring", swiftSettings: strict),
        .target(name: "HostHTTP",
                dependencies: ["HostPlugins", "HostAuth", "HostStorage", "HostConfig", "HostParams", "HostTransport", "StudioJSON",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "HTTPTypes", package: "swift-http-types"),
                               .product(name: "NIOCore", package: "swift-nio")],
                path: "Sources/Host/HTTP", swiftSettings: strict),
        .executableTarget(name: "studio",
                dependencies: ["HostPlugins", "HostScoring", "HostHTTP", "HostSimulator", "HostBenchmark", "HostConfig",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               "HostParams", "HostTransport", "HostMeasurement", "StudioJSON",
                               .product(name: "ArgumentParser", package: "swift-argument-parser")],
                path: "Sources/studio", swiftSettings: strict),

        // Shipped Swift plugins.
        .target(name: "OpenAIProvider", dependencies: ["PluginKit"], path: "Plugins/openai", swiftSettings: strict),
        .target(name: "AnthropicProvider", dependencies: ["PluginKit"], path: "Plugins/anthropic", swiftSettings: strict),
        .target(name: "GeminiProvider", dependencies: ["PluginKit"], path: "Plugins/gemini", swiftSettings: strict),
        .target(name: "ToolCallScorer", dependencies: ["PluginKit"], path: "Plugins/toolcall", swiftSettings: strict),

        // Benchmarks: commands that print figures, never timed tests.
        .executableTarget(name: "abi-cost", dependencies: ["HostPlugins", "PluginKit", "StudioJSON"],
                          path: "Benchmarks/ABICost", swiftSettings: strict),
        .executableTarget(name: "measurement-accuracy",
                          dependencies: ["HostPlugins", "HostTransport", "HostMeasurement", "StudioJSON",
                                         .product(name: "NIOCore", package: "swift-nio")],
                          path: "Benchmarks/MeasurementAccuracy", swiftSettings: strict),

        .testTarget(name: "StudioTests",
                dependencies: ["HostPlugins", "HostScoring", "HostHTTP", "StudioJSON", "PluginABI",
                               "HostMeasurement", "HostSimulator", "HostTransport", "HostSecurity",
                               "HostParams", "HostConfig", "HostBenchmark", "HostStorage", "HostAuth",
                               .product(name: "NIOCore", package: "swift-nio"),
                               .product(name: "SQLKit", package: "sql-kit"),
                               .product(name: "HummingbirdTesting", package: "hummingbird")],
                path: "Tests/StudioTests", exclude: ["Fixtures"], swiftSettings: strict),
    ]
)
