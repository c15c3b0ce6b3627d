import Foundation
import Testing

/// Paths and helpers shared by the tests. The package root comes from #filePath (good
/// only for that); built products are found next to the test runner via /proc/self/exe,
/// which holds for debug, release and any --scratch-path.
enum TestSupport {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let abiInclude = packageRoot.appendingPathComponent("Sources/PluginABI/include").path

    static let buildDirectory: URL = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // On some layouts the runner sits inside a .xctest bundle folder.
        while url.path.contains(".xctest") { url.deleteLastPathComponent() }
        return url
    }()

    static var studioExecutable: String { buildDirectory.appendingPathComponent("studio").path }

    static func temporaryDirectory(_ name: String = "studio-test") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct ProcessResult {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a program to completion and captures its output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String]? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Read before waiting so a full pipe cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    static let cc: String = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "cc"
    static let cxx: String = ["/usr/bin/c++", "/usr/bin/g++", "/usr/bin/clang++"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "c++"

    /// Compiles C sources into a shared library the way `make` builds C plugins.
    static func buildCPlugin(sources: [String], output: String, extraFlags: [String] = []) throws {
        let result = try run(cc, ["-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                                  "-fvisibility=hidden", "-I", abiInclude] + extraFlags + sources + ["-o", output])
        if result.status != 0 {
            Issue.record("cc failed for \(output): \(result.stderr)")
            throw CompileFailed(message: result.stderr)
        }
    }

    struct CompileFailed: Error { let message: String }

    /// The JSON reader C plugins share with the C templates (as the Makefile builds them).
    static let cCommon = packageRoot.appendingPathComponent("plugin-templates/c-common")

    /// The shipped C plugins, compiled once per test process into a private folder.
    static let cPluginFolder: URL = {
        let folder = temporaryDirectory("c-plugins")
        let source = packageRoot.appendingPathComponent("Plugins/exact-args")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: source.path)) ?? []
        try? buildCPlugin(sources: files.filter { $0.hasSuffix(".c") }.map { source.appendingPathComponent($0).path }
                                   + [cCommon.appendingPathComponent("json.c").path],
                          output: folder.appendingPathComponent("libstudio_exact_args.so").path, extraFlags: ["-I", cCommon.path])
        return folder
    }()

    static var exactArgsPath: String { cPluginFolder.appendingPathComponent("libstudio_exact_args.so").path }
    static var openAIPath: String { buildDirectory.appendingPathComponent("libstudio_openai.so").path }
    static var toolCallPath: String { buildDirectory.appendingPathComponent("libstudio_toolcall.so").path }
}
