import ArgumentParser
import Foundation
import HostBenchmark
import HostConfig
import HostProviderCalls
import HostSimulator
import HostTransport
import StudioJSON

/// `studio models`: the models a provider offers, through its plugin's model list (the
/// dashboard's "Test connection and list models"). Also a connection test: a refused
/// key, a wrong base URL or an unreachable server is said in words, with exit code 1.
struct Models: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models a provider offers (and test the connection to it).",
        discussion: """
            Names the provider as `studio bench` does: --provider, --base-url (or \
            "simulator") and --api-key-env, or a provider id of --config (default \
            ./config.yaml, else the built-in configuration) with --only.
            """)

    @Option(help: "Configuration file (YAML).") var config: String?
    @Option(help: "Ad hoc: provider plugin id (openai, anthropic, gemini, ollama, ...).") var provider: String?
    @Option(name: .customLong("base-url"), help: "Ad hoc: endpoint base URL, or \"simulator\".") var baseURL: String?
    @Option(name: .customLong("api-key-env"), help: "Ad hoc: environment variable holding the API key.") var apiKeyEnv: String?
    @Option(help: "With a configuration: the provider id to ask (default: the first).") var only: String?
    @Flag(help: "Print JSON: {ok, models} or {ok: false, error_class, message}.") var json = false
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        if (provider == nil) != (baseURL == nil) { throw ValidationError("--provider and --base-url go together") }
        if provider != nil && config != nil { throw ValidationError("use either --config or --provider/--base-url") }
    }

    func run() async throws {
        var config = try Bench.loadConfig(path: config, provider: provider, baseURL: baseURL, models: [], apiKeyEnv: apiKeyEnv)
        guard let named = only.map({ id in config.providers.first { $0.id == id } }) ?? config.providers.first else {
            printError("no provider \(only ?? "") in the configuration (there are: \(config.providers.map(\.id).joined(separator: ", ")))")
            throw ExitCode(2)
        }
        let registry = try await plugins.trustedRegistry()
        // A `preset:` gives the plugin, base URL and key variable the entry leaves out.
        let chosen: StudioConfig.Provider
        switch TargetResolver.applyingPreset(named, registry: registry) {
        case .success(let resolved): chosen = resolved
        case .failure(let problem):
            printError(problem.description)
            throw ExitCode.failure
        }
        config.providers = [chosen]
        let simulator = chosen.usesSimulator ? try await EmbeddedSimulator.start() : nil
        let endpoint: ProviderEndpoint
        switch TargetResolver.instantiate(chosen, registry: registry, simulatorBaseURL: simulator?.baseURL) {
        case .failure(let problem):
            printError(problem.description)
            await simulator?.stop()
            throw ExitCode.failure
        case .success(let (_, _, instance)):
            let key = chosen.apiKeyEnv.flatMap { ProcessInfo.processInfo.environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            if let variable = chosen.apiKeyEnv, key == nil {
                printError("\(chosen.id): environment variable \(variable) is not set")
                await simulator?.stop()
                throw ExitCode.failure
            }
            endpoint = ProviderEndpoint(provider: instance, apiKey: key)
        }
        let transport = Transport()
        let outcome = await ModelDiscovery.models(at: endpoint, transport: transport)
        try? await transport.shutdown()
        await simulator?.stop()
        switch outcome {
        case .success(let models):
            if json {
                print(JSONValue.object(["ok": true, "provider": .string(chosen.id), "models": .array(models)]).jsonString)
            } else {
                for model in models { print(model["id"]?.stringValue ?? "") }
                printError("\(chosen.id): connected, \(models.count) models")
            }
        case .failure(let failure):
            if json {
                print(JSONValue.object(["ok": false, "provider": .string(chosen.id), "error_class": .string(failure.errorClass),
                                        "message": .string(failure.message)]).jsonString)
            } else {
                printError("\(chosen.id): cannot list models (\(failure.errorClass)): \(failure.message)")
            }
            throw ExitCode.failure
        }
    }
}
