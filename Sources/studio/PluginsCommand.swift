import ArgumentParser
import Foundation
import HostStorage
import HostPlugins
import StudioJSON

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List and check provider and scorer plugins.",
        subcommands: [List.self, Verify.self, New.self, Install.self, Policy.self])

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
                 p.manifest.language ?? "?", p.isIsolated ? "isolated" : "in-process", String(p.sha256.prefix(12)), p.path]
            }
            printTable(header: ["ID", "VERSION", "KINDS", "ABI", "LANG", "MODE", "SHA-256", "PATH"], rows: rows)
            for failure in registry.failures { print("refused: \(failure)") }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load one plugin library and run the conformance checks on it.")
        @Argument(help: "Path to the plugin library (.so).") var path: String
        @Option(help: ArgumentHelp("Also decode these recorded responses (folders with an index.json, repeatable; docs/captures.md).",
                                   valueName: "dir")) var captures: [String] = []
        @Flag(help: "Machine-readable output.") var json = false

        func run() throws {
            var library: CaptureLibrary?
            if !captures.isEmpty {
                do { library = try CaptureLibrary(folders: captures) } catch { throw ValidationError("--captures: \(error)") }
            }
            let report = PluginConformance.verify(path: path, captures: library)
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

extension PluginsCommand {
    /// `studio plugins policy ID`: an admin's decision about one plugin, in the studio
    /// database (a running server applies it at its next rescan; the dashboard and
    /// `PUT /api/admin/plugins/{id}` apply it at once).
    struct Policy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a plugin isolated or in-process, disable or enable it, set its deadline, release its quarantine.")
        @Argument(help: "The plugin id.") var id: String
        @Option(help: "isolated, in-process, or default (bundled in-process, others isolated).") var mode: String?
        @Flag(help: "Refuse the plugin for everyone.") var disable = false
        @Flag(help: "Allow it again.") var enable = false
        @Option(name: .customLong("deadline-ms"), help: "Every call's deadline in milliseconds (50...600000); 0 restores the defaults.")
        var deadlineMs: Int?
        @Flag(help: "Lift a quarantine.") var release = false
        @Option(name: .customLong("data"), help: "The data folder.") var dataDirectory: String = "data"

        func validate() throws {
            if let mode, !["isolated", "in-process", "default"].contains(mode) { throw ValidationError("--mode must be isolated, in-process or default") }
            if disable && enable { throw ValidationError("--disable and --enable contradict each other") }
            if let deadlineMs, deadlineMs != 0, !(50...600_000).contains(deadlineMs) { throw ValidationError("--deadline-ms must be 0 or 50...600000") }
        }

        func run() async throws {
            let database = try await openStudioDatabase(dataDirectory: dataDirectory)
            let store = PluginPolicyStore(database: database)
            var record = try await store.find(id) ?? PluginPolicyRecord(pluginID: id)
            if let mode { record.mode = mode == "default" ? nil : mode }
            if disable { record.disabled = true }
            if enable { record.disabled = false }
            if let deadlineMs { record.deadlineMs = deadlineMs == 0 ? nil : deadlineMs }
            if release { record.quarantineReason = nil }
            try await store.save(record, by: nil)
            await database.close()
            print("\(id): mode \(record.mode ?? "default"), \(record.disabled ? "disabled" : "enabled"), deadline \(record.deadlineMs.map { "\($0) ms" } ?? "default")\(record.quarantineReason.map { ", quarantined: \($0)" } ?? "")")
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
