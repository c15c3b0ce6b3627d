import HostConfig
import HostMeasurement
import HostParams
import HostPlugins
import HostProviderCalls
import StudioJSON

/// Turns configured providers and models into benchmark targets: finds each provider's
/// plugin, creates its instance for the endpoint, takes the key from the environment
/// variable the config names, and passes the parameters through the plugin's rules.
public enum TargetResolver {
    public struct Resolved: Sendable {
        public var targets: [BenchmarkTarget] = []
        /// Parameter adjustments and warnings, one line each, for the user to see.
        public var notes: [String] = []
        /// Providers or models left out, and why.
        public var problems: [String] = []
    }

    /// Path under the simulator's root for each wire API.
    static func simulatorPath(api: String?) -> String {
        switch api {
        case "gemini": return "/v1beta"
        case "jsonl": return "/jsonl"  // the plugin templates' made-up API
        // These plugins add their whole path to the server root (/api/chat, /v2/chat,
        // /openai/deployments/…, /model/…/converse-stream).
        case "ollama", "cohere-chat", "azure-openai", "bedrock-converse": return ""
        case "vertex-gemini": return "/v1/projects/simulator/locations/us-central1"  // Vertex's project-and-location base
        default: return "/v1"
        }
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// One provider's plugin instance for its base URL (`simulator` mapped to the running
    /// simulator's path for the plugin's wire format): what targets and model discovery share.
    /// A provider with its preset applied: the preset's plugin, base URL and key variable
    /// where the provider names none. A preset no loaded plugin offers is a problem.
    public static func applyingPreset(_ provider: StudioConfig.Provider, registry: PluginRegistry) -> Result<StudioConfig.Provider, Problem> {
        guard let id = provider.preset else { return .success(provider) }
        guard let preset = registry.preset(id: id) else {
            return .failure(Problem(description: "\(provider.id): no loaded plugin offers the preset \"\(id)\" (there are: \(registry.presets.map(\.id).joined(separator: ", ")))"))
        }
        var resolved = provider
        if resolved.plugin.isEmpty { resolved.plugin = preset.pluginID }
        guard resolved.plugin == preset.pluginID else {
            return .failure(Problem(description: "\(provider.id): the preset \"\(id)\" belongs to plugin \"\(preset.pluginID)\", not \"\(provider.plugin)\""))
        }
        if resolved.baseURL.isEmpty { resolved.baseURL = preset.baseURL }
        if resolved.apiKeyEnv == nil { resolved.apiKeyEnv = preset.keyEnv }
        return .success(resolved)
    }

    public static func instantiate(_ given: StudioConfig.Provider, registry: PluginRegistry, simulatorBaseURL: String?)
        -> Result<(LoadedPlugin, String, ProviderInstance), Problem>
    {
        let provider: StudioConfig.Provider
        switch applyingPreset(given, registry: registry) {
        case .success(let resolved): provider = resolved
        case .failure(let problem): return .failure(problem)
        }
        guard let plugin = registry.provider(id: provider.plugin) else {
            return .failure(Problem(description: "\(provider.id): no provider plugin \"\(provider.plugin)\" is loaded"))
        }
        var baseURL = provider.baseURL
        if provider.usesSimulator {
            guard let root = simulatorBaseURL else { return .failure(Problem(description: "\(provider.id): the simulator is not running")) }
            baseURL = root + simulatorPath(api: plugin.manifest.provider?["api"]?.stringValue)
        }
        do {
            let instance = try plugin.makeProvider(config: ["base_url": .string(baseURL), "params": .object(provider.params)])
            return .success((plugin, baseURL, instance))
        } catch {
            return .failure(Problem(description: "\(provider.id): \(error)"))
        }
    }

    public static func resolve(config: StudioConfig, registry: PluginRegistry, simulatorBaseURL: String?,
                               environment: [String: String], only: Set<String> = [],
                               apiKeys: [String: String]? = nil) -> Resolved {
        var resolved = Resolved()
        for given in config.providers {
            let provider: StudioConfig.Provider
            switch applyingPreset(given, registry: registry) {
            case .success(let resolvedProvider): provider = resolvedProvider
            case .failure(let problem):
                resolved.problems.append(problem.description)
                continue
            }
            let wanted = provider.models.filter { only.isEmpty || only.contains($0.id) || only.contains("\(provider.id)/\($0.id)") || only.contains(provider.id) }
            guard !wanted.isEmpty else { continue }
            let plugin: LoadedPlugin, baseURL: String, instance: ProviderInstance
            switch instantiate(provider, registry: registry, simulatorBaseURL: simulatorBaseURL) {
            case .success(let made): (plugin, baseURL, instance) = made
            case .failure(let problem):
                resolved.problems.append(problem.description)
                continue
            }
            var key: String? = nil
            if let apiKeys {
                // Server jobs: the user's key (or the admin's global one) from the vault.
                key = apiKeys[provider.id]
            } else if let variable = provider.apiKeyEnv {
                guard let value = environment[variable], !value.isEmpty else {
                    resolved.problems.append("\(provider.id): environment variable \(variable) is not set, so it is skipped")
                    continue
                }
                key = value
            }
            let validator = ParameterValidator(provider: plugin.providerRules(preset: provider.preset))
            let manifestModels = plugin.manifest.provider?["models"]?.arrayValue ?? []
            for model in wanted {
                let check = validator.validate(provider.requestParams(for: model, defaults: config.defaults), model: model.id)
                let label = "\(provider.id)/\(model.id)"
                for adjustment in check.adjustments {
                    resolved.notes.append("\(label): \(adjustment.param) \(adjustment.action) (\(adjustment.original.jsonString) → \(adjustment.adjusted.jsonString)): \(adjustment.reason)")
                }
                for warning in check.warnings where !warning.contains("clamped") && !warning.contains("truncated") {
                    resolved.notes.append("\(label): \(warning)")
                }
                guard check.valid else {
                    resolved.problems.append("\(label): \(check.errors.joined(separator: "; "))")
                    continue
                }
                // Prices and window: the config wins, then the plugin's defaults.
                let known = manifestModels.first { $0["id"]?.stringValue == model.id }
                let priceIn = model.priceIn ?? known?["price_in"]?.doubleValue
                let priceOut = model.priceOut ?? known?["price_out"]?.doubleValue
                let window = model.contextWindow ?? known?["context_window"]?.intValue.map(Int.init)
                resolved.targets.append(BenchmarkTarget(
                    providerID: provider.id, providerName: provider.name, model: model.id, displayName: model.displayName,
                    endpoint: ProviderEndpoint(provider: instance, apiKey: key), endpointKey: "\(provider.plugin) \(baseURL)",
                    prices: priceIn != nil || priceOut != nil ? Prices(input: priceIn, output: priceOut) : nil,
                    contextWindow: window, systemPrompt: model.systemPrompt, params: check.resolved, profile: model.profile))
            }
        }
        return resolved
    }
}
