// swift-tools-version:6.1
// jsonl-swift, a provider plugin in Swift for LLM Benchmark Studio (the swift-provider template).
//   swift build -c release        → .build/release/libstudio_jsonl_swift.so
//   swift test                    the sample tests
// It builds against PluginKit from the studio's source tree (the path below; `studio
// plugins new` writes the absolute one). Build it with the same Swift toolchain as the
// studio that loads it: the host refuses a plugin built by another.
import PackageDescription

let package = Package(
    name: "JsonlSwift",
    products: [
        .library(name: "studio_jsonl_swift", type: .dynamic, targets: ["JsonlSwift"]),
    ],
    dependencies: [
        .package(name: "studio", path: "../.."),
    ],
    targets: [
        .target(name: "JsonlSwift", dependencies: [.product(name: "PluginKit", package: "studio")]),
        .testTarget(name: "JsonlSwiftTests", dependencies: ["JsonlSwift", .product(name: "PluginKit", package: "studio")]),
    ]
)
