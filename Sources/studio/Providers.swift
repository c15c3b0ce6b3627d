import ArgumentParser
import Foundation
import HostBenchmark
import HostConfig
import HostPlugins
import StudioJSON

/// `studio providers`: the ready-made providers the loaded plugins offer (presets), and
/// adding one to config.yaml in one step — the CLI's side of the dashboard's "Add a known
/// provider" (docs/cli.md).
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers", abstract: "List the ready-made providers (presets) and add one to config.yaml.",
        subcommands: [Presets.self, Add.self])

    struct Presets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the presets the loaded plugins offer.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var plugins: PluginOptions

        func run() async throws {
            let presets = try await plugins.trustedRegistry().presets
            if json {
                print(JSONValue.object(["presets": .array(presets.map(\.json))]).jsonString)
                return
            }
            printTable(header: ["PRESET", "NAME", "PLUGIN", "BASE URL", "KEY VARIABLE"],
                       rows: presets.map { [$0.id, $0.name, $0.pluginID, $0.baseURL, $0.keyEnv ?? ($0.local ? "(local: none)" : "-")] })
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a provider made from a preset to a config.yaml.",
            discussion: """
                Writes a provider entry with `preset:` (its plugin, base URL, key variable and \
                parameter rules come from the preset) and the models given, at the end of the \
                file's providers list; the file's comments and layout are kept. A file that does \
                not exist yet starts from the built-in configuration (the simulator providers).
                """)

        @Option(help: "The preset (see `studio providers presets`).") var preset: String
        @Option(name: .customLong("model"), help: "A model id to benchmark (repeatable; at least one).") var models: [String] = []
        @Option(help: "The provider's id in the file (default: the preset's).") var id: String?
        @Option(name: .customLong("base-url"), help: "Another base URL than the preset's (a remote vLLM, say).") var baseURL: String?
        @Option(name: .customLong("api-key-env"), help: "Another environment variable for the key than the preset's.") var apiKeyEnv: String?
        @Option(help: "The configuration file to add to.") var config = "config.yaml"
        @OptionGroup var plugins: PluginOptions

        func validate() throws {
            if models.isEmpty { throw ValidationError("--model is required: name at least one model to benchmark") }
            if let id, !id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                throw ValidationError("--id: use letters, digits, - and _ only")
            }
        }

        func run() async throws {
            let registry = try await plugins.trustedRegistry()
            guard let chosen = registry.preset(id: preset) else {
                printError("--preset: no preset \"\(preset)\" (there are: \(registry.presets.map(\.id).joined(separator: ", ")))")
                throw ExitCode(2)
            }
            let url = URL(fileURLWithPath: config)
            let exists = FileManager.default.fileExists(atPath: url.path)
            let text: String
            do { text = exists ? try String(contentsOf: url, encoding: .utf8) : StudioConfig.defaultYAML } catch {
                printError("\(config): cannot read: \(error.localizedDescription)")
                throw ExitCode.failure
            }
            let providerID = id ?? chosen.id
            if let existing = try? StudioConfig(yaml: text), existing.providers.contains(where: { $0.id == providerID }) {
                printError("\(config): a provider \"\(providerID)\" is already there; choose another id with --id")
                throw ExitCode.failure
            }
            let added: String
            do {
                added = try ConfigFileEdit.appendingProvider(to: text, id: providerID, preset: chosen.id, baseURL: baseURL,
                                                             apiKeyEnv: apiKeyEnv, models: models)
                // The result must load, and its new provider resolve, before the file is touched.
                let parsed = try StudioConfig(yaml: added)
                if let provider = parsed.providers.first(where: { $0.id == providerID }) {
                    _ = try TargetResolver.applyingPreset(provider, registry: registry).get()
                }
            } catch {
                printError("\(config): \(error)")
                throw ExitCode.failure
            }
            do { try Data(added.utf8).write(to: url, options: .atomic) } catch {
                printError("\(config): cannot write: \(error.localizedDescription)")
                throw ExitCode.failure
            }
            let key = apiKeyEnv ?? chosen.keyEnv
            printError("added provider \(providerID) to \(config): preset \(chosen.id) (plugin \(chosen.pluginID), \(baseURL ?? chosen.baseURL))"
                       + (key.map { ", key from $\($0)" } ?? "") + ", models \(models.joined(separator: ", "))")
            if let key, ProcessInfo.processInfo.environment[key]?.isEmpty ?? true {
                printError("note: $\(key) is not set in this shell; `studio bench` skips the provider until it is")
            }
        }
    }
}

/// Edits to a config.yaml's text that keep its comments and layout (a YAML round trip
/// would lose them): the new provider goes at the end of the `providers:` block list.
enum ConfigFileEdit {
    struct Refused: Error, CustomStringConvertible { let description: String }

    static func appendingProvider(to text: String, id: String, preset: String, baseURL: String?, apiKeyEnv: String?,
                                  models: [String]) throws -> String {
        var lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("providers:") }) else {
            throw Refused(description: "has no top-level `providers:` list to add to")
        }
        guard lines[start].trimmingCharacters(in: .whitespaces) == "providers:" else {
            throw Refused(description: "its providers are written inline (`providers: [...]`); add the entry by hand")
        }
        // The block ends at the next top-level key (a line that starts with neither a space,
        // a dash nor a comment), or at the end of the file.
        var end = lines.count
        for i in (start + 1)..<lines.count {
            let line = lines[i]
            if let first = line.first, first != " ", first != "-", first != "#", first != "\t" { end = i; break }
        }
        // Trailing blank lines stay after the entry.
        while end > start + 1, lines[end - 1].trimmingCharacters(in: .whitespaces).isEmpty { end -= 1 }
        // The items' indentation, as the file already writes it (two spaces by default).
        let indent = lines[(start + 1)..<end].first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("- ") }
            .map { String($0.prefix { $0 == " " }) } ?? "  "
        func quoted(_ value: String) -> String { JSONValue.string(value).jsonString }  // JSON strings are YAML strings
        var entry = ["\(indent)- id: \(quoted(id))", "\(indent)  preset: \(quoted(preset))"]
        if let baseURL { entry.append("\(indent)  base_url: \(quoted(baseURL))") }
        if let apiKeyEnv { entry.append("\(indent)  api_key_env: \(quoted(apiKeyEnv))") }
        entry.append("\(indent)  models:")
        entry += models.map { "\(indent)    - id: \(quoted($0))" }
        lines.insert(contentsOf: entry, at: end)
        let joined = lines.joined(separator: "\n")
        return joined.hasSuffix("\n") ? joined : joined + "\n"
    }
}
