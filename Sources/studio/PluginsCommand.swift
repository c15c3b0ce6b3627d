import ArgumentParser
import Foundation
import HostStorage
import HostPlugins
import StudioJSON

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List and check provider and scorer plugins.",
        subcommands: [List.self, Verify.self, New.self, Install.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the plugins found on the search path, and the ones refused.")
        @OptionGroup var plugins: PluginOptions
        @Flag(help: "Machine-readable output.") var json = false

        func run() async throws {
            // Under the policy the server applies: checksums recorded at install, admins' decisions.
            let registry = try await plugins.trustedRegistry(quiet: true)
            if json {
                let document: JSONValue = [
                    "search_path": .array(registry.searchPath.map { .string($0.path) }),
                    "plugins": .array(registry.plugins.map { $0.listing() }),
                    "errors": .array(registry.failures.map { ["path": .string($0.path), "code": .string($0.code), "message": .string($0.description)] }),
                ]
                print(document.prettyJSONString)
                return
            }
            if registry.plugins.isEmpty { print("No plugins found. Searched: \(registry.searchPath.map(\.path).joined(separator: ", "))") }
            let rows = registry.plugins.map { p in
                [p.id, p.manifest.version, p.kinds.joined(separator: ","), p.abiVersion.description,
                 p.manifest.language ?? "?", String(p.sha256.prefix(12)), p.path]
            }
            printTable(header: ["ID", "VERSION", "KINDS", "ABI", "LANG", "SHA-256", "PATH"], rows: rows)
            for failure in registry.failures { print("refused: \(failure)") }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load one plugin library and run the conformance checks on it.")
        @Argument(help: "Path to the plugin library (.so).") var path: String
        @Flag(help: "Machine-readable output.") var json = false

        func run() throws {
            let report = PluginConformance.verify(path: path)
            if json {
                let document: JSONValue = [
                    "path": .string(path), "passed": .bool(report.passed),
                    "plugin": report.plugin.map { $0.listing() } ?? .null,
                    "checks": .array(report.checks.map(\.json)),
                ]
                print(document.prettyJSONString)
            } else {
                for check in report.checks { print("\(check.passed ? "PASS" : "FAIL")  \(check.name): \(check.detail)") }
                print(report.passed ? "verified: \(path)" : "verification failed: \(path)")
            }
            if !report.passed { throw ExitCode.failure }
        }
    }
}

/// A plain left-aligned text table.
func printTable(header: [String], rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in i == cells.count - 1 ? cell : cell.padding(to: widths[i]) }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}

extension String {
    func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
