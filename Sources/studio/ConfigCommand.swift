import ArgumentParser
import Foundation
import HostBenchmark
import HostConfig
import HostPlugins
import StudioJSON

/// `studio config import`: moving from the original product (docs/configuration.md,
/// "Moving from the original"). Reads its config.yaml — LiteLLM-style model ids and its
/// provider blocks — and writes this studio's config.yaml, or a settings document for a
/// server account (Settings → Import in the dashboard, or POST /api/settings/import).
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Configuration tools.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert the original product's config.yaml into this studio's.",
            discussion: """
                Each LiteLLM prefix becomes a preset or plugin (anthropic/ → anthropic, \
                lm_studio/ → the lmstudio preset, none → openai, …); display names, base URLs, key \
                variables, context windows, output limits, prices, system prompts and skipped \
                parameters are carried over. Every decision is printed as a note; a key written \
                in the original file is never copied. The result is checked (the presets resolved \
                against the loaded plugins) before anything is written.
                """)

        @Argument(help: "The original's config.yaml.") var file: String
        @Option(help: "Where to write (default: config.yaml; - for standard output).") var out = "config.yaml"
        @Option(help: "yaml (this studio's config.yaml) or settings (a document for Settings → Import on a server).")
        var format = "yaml"
        @Flag(help: "Replace the output file when it exists.") var force = false
        @OptionGroup var plugins: PluginOptions

        func validate() throws {
            guard ["yaml", "settings"].contains(format) else { throw ValidationError("--format must be yaml or settings") }
        }

        func run() async throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                printError("\(file): cannot read: \(error.localizedDescription)")
                throw ExitCode.failure
            }
            let converted: OriginalConfigImport.Result
            let config: StudioConfig
            let registry = try await plugins.trustedRegistry()
            var resolved: [StudioConfig.Provider] = []
            do {
                converted = try OriginalConfigImport.convert(text, source: (file as NSString).lastPathComponent)
                config = try StudioConfig(yaml: converted.yaml)
                for provider in config.providers { resolved.append(try TargetResolver.applyingPreset(provider, registry: registry).get()) }
            } catch {
                printError("\(file): \(error)")
                throw ExitCode.failure
            }
            for note in converted.notes { printError("note: \(note)") }
            let output: String
            switch format {
            case "settings":
                output = JSONValue.object([
                    "format": "studio-settings", "version": 1,
                    "providers": .array(resolved.map(Self.settingsJSON)), "settings": [:],
                ]).jsonString + "\n"
            default:
                output = converted.yaml
            }
            if out == "-" {
                print(output, terminator: "")
            } else {
                if FileManager.default.fileExists(atPath: out) && !force {
                    printError("\(out) exists: choose another --out, or --force to replace it")
                    throw ExitCode.failure
                }
                do { try Data(output.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                    printError("\(out): cannot write: \(error.localizedDescription)")
                    throw ExitCode.failure
                }
            }
            printError("imported \(converted.providers) providers and \(converted.models) models from \(file)" + (out == "-" ? "" : " into \(out)"))
        }

        /// A provider as the settings document (GET /api/settings/export) writes it.
        static func settingsJSON(_ p: StudioConfig.Provider) -> JSONValue {
            var provider: JSONObject = ["slug": .string(p.id), "plugin_id": .string(p.plugin), "base_url": .string(p.baseURL),
                                        "display_name": .string(p.name), "default_params": .object(p.params),
                                        "api_key_env": p.apiKeyEnv.map(JSONValue.string) ?? .null,
                                        "preset": p.preset.map(JSONValue.string) ?? .null]
            provider["models"] = .array(p.models.map { m in
                var model: JSONObject = ["model_id": .string(m.id)]
                model["display_name"] = m.displayName.map(JSONValue.string) ?? .null
                model["context_window"] = m.contextWindow.map { JSONValue.int(Int64($0)) } ?? .null
                model["max_output"] = m.maxOutput.map { JSONValue.int(Int64($0)) } ?? .null
                model["price_in"] = m.priceIn.map(JSONValue.double) ?? .null
                model["price_out"] = m.priceOut.map(JSONValue.double) ?? .null
                model["system_prompt"] = m.systemPrompt.map(JSONValue.string) ?? .null
                model["skip_params"] = .array(m.skipParams.map(JSONValue.string))
                model["params"] = .object(m.params)
                return .object(model)
            })
            return .object(provider)
        }
    }
}
