// swift-tools-version:6.1
// tool-names, a scorer plugin in Swift for LLM Benchmark Studio (the swift-scorer template).
//   swift build -c release        → .build/release/libstudio_tool_names.so
//   swift test                    the sample tests
// It builds against PluginKit from the studio's source tree (the path below; `studio
// plugins new` writes the absolute one). Build it with the same Swift toolchain as the
// studio that loads it: the host refuses a plugin built by another.
import PackageDescription

let package = Package(
    name: "ToolNames",
    products: [
        .library(name: "studio_tool_names", type: .dynamic, targets: ["ToolNames"]),
    ],
    dependencies: [
        .package(name: "studio", path: "../.."),
    ],
    targets: [
        .target(name: "ToolNames", dependencies: [.product(name: "PluginKit", package: "studio")]),
        .testTarget(name: "ToolNamesTests", dependencies: ["ToolNames", .product(name: "PluginKit", package: "studio")]),
    ]
)
