import HostAuth
import HostBenchmark
import HostConfig
import HostMeasurement
import HostParams
import HostPlugins
import HostProviderCalls
import HostStorage
import StudioJSON

/// The user's stored configuration as the benchmark engine reads it, with their keys.
public struct UserConfiguration: Sendable {
    public let providers: ProviderStore
    public let vault: KeyVault

    public init(providers: ProviderStore, vault: KeyVault) {
        self.providers = providers
        self.vault = vault
    }

    /// The user's providers and models as a configuration (only the requested targets
    /// when `only` is given), with the request's defaults.
    public func config(userID: String, request: BenchmarkRequest) async throws -> StudioConfig {
        let providerRows = try await providers.providers(userID: userID)
        let modelRows = try await providers.models(userID: userID)
        let profiles = request.targets.contains { $0.profile != nil } ? try await providers.profiles.list(userID: userID) : []
        var config = StudioConfig()
        config.defaults = request.defaults
        let wanted = Set(request.targets.map(\.id))
        for row in providerRows {
            var provider = StudioConfig.Provider(id: row.slug, name: row.displayName, plugin: row.pluginID, baseURL: row.baseURL,
                                                 apiKeyEnv: nil, models: [])
            provider.preset = row.preset
            provider.params = try row.decodedDefaultParams()
            for m in modelRows where m.providerID == row.id && wanted.contains("\(row.slug)/\(m.modelID)") {
                var model = StudioConfig.Model(id: m.modelID)
                model.displayName = m.displayName
                model.contextWindow = m.contextWindow
                model.maxOutput = m.maxOutput
                model.priceIn = m.priceIn
                model.priceOut = m.priceOut
                model.systemPrompt = m.systemPrompt
                model.skipParams = try m.decodedSkipParams()
                var params = try m.decodedParams()
                // A profile named by the target: its parameters over the model's, its prompt.
                if let name = request.targets.first(where: { $0.id == "\(row.slug)/\(m.modelID)" })?.profile,
                   let profile = profiles.first(where: { $0.provider == row.slug && $0.model == m.modelID && $0.name == name }) {
                    for (k, v) in try StoredJSON.object(profile.params, row: "profile \(name)", column: "params") { params[k] = v }
                    if let prompt = profile.systemPrompt { model.systemPrompt = prompt }
                    model.profile = name
                }
                for (k, v) in request.params { params[k] = v }  // the request's parameters win
                model.params = params
                provider.models.append(model)
            }
            if !provider.models.isEmpty { config.providers.append(provider) }
        }
        return config
    }

    /// The decrypted key for each provider of the configuration that has one (the
    /// user's, else the admin's global fallback). Kept in memory for the job only.
    public func keys(userID: String, for config: StudioConfig) async throws -> [String: String] {
        var keys: [String: String] = [:]
        for provider in config.providers {
            keys[provider.id] = try await vault.key(userID: userID, providerID: provider.id,
                                                    endpoint: KeyVault.Endpoint(plugin: provider.plugin, baseURL: provider.baseURL))
        }
        return keys
    }

    /// The request's targets, ready to call: the user's configuration with their keys,
    /// through the plugins' rules. Targets left out are announced as `skipped`; none
    /// left fails the job.
    public func targets(userID: String, request: BenchmarkRequest, registry: PluginRegistry, simulatorURL: String?,
                        events: JobEventWriter) async throws -> TargetResolver.Resolved {
        let resolved = try await resolve(userID: userID, request: request, registry: registry, simulatorURL: simulatorURL)
        for problem in resolved.problems { try await events.emit("skipped", ["target": .null, "reason": .string(problem)]) }
        guard !resolved.targets.isEmpty else { throw JobFailure("no target could be prepared: " + resolved.problems.joined(separator: "; ")) }
        return resolved
    }

    /// The request's targets through the plugins' rules, with what was left out and why
    /// (`problems`), announced to nobody: a tuner resolves each trial's configuration so.
    public func resolve(userID: String, request: BenchmarkRequest, registry: PluginRegistry,
                        simulatorURL: String?) async throws -> TargetResolver.Resolved {
        let config = try await config(userID: userID, request: request)
        let keys = try await keys(userID: userID, for: config)
        return TargetResolver.resolve(config: config, registry: registry, simulatorBaseURL: simulatorURL, environment: [:], apiKeys: keys)
    }

    /// One of the user's providers ready to call with their key (or the admin's global
    /// one), without any model: for model discovery. nil when the user has no such
    /// provider; a problem (plugin not loaded, simulator not running) as its description.
    public func endpoint(userID: String, providerID: String, registry: PluginRegistry,
                         simulatorURL: String?) async throws -> Result<ProviderEndpoint, TargetResolver.Problem>? {
        guard let row = try await providers.provider(userID: userID, id: providerID) else { return nil }
        var provider = StudioConfig.Provider(id: row.slug, name: row.displayName, plugin: row.pluginID, baseURL: row.baseURL,
                                             apiKeyEnv: nil, models: [])
        provider.preset = row.preset
        provider.params = try row.decodedDefaultParams()
        let key = try await vault.key(userID: userID, providerID: row.slug,
                                      endpoint: KeyVault.Endpoint(plugin: row.pluginID, baseURL: row.baseURL))
        return TargetResolver.instantiate(provider, registry: registry, simulatorBaseURL: simulatorURL)
            .map { _, _, instance in ProviderEndpoint(provider: instance, apiKey: key) }
    }

    /// Which requested targets do not exist for this user (index and reason).
    public func missingTargets(userID: String, request: BenchmarkRequest) async throws -> (Int, String)? {
        let providerRows = try await providers.providers(userID: userID)
        let modelRows = try await providers.models(userID: userID)
        for (i, target) in request.targets.enumerated() {
            guard let provider = providerRows.first(where: { $0.slug == target.provider }) else {
                return (i, "you have no provider \"\(target.provider)\"")
            }
            guard modelRows.contains(where: { $0.providerID == provider.id && $0.modelID == target.model }) else {
                return (i, "provider \"\(target.provider)\" has no model \"\(target.model)\"")
            }
            if let name = target.profile, try await providers.profiles.find(userID: userID, provider: target.provider, model: target.model, name: name) == nil {
                return (i, "\(target.id) has no profile \"\(name)\"")
            }
        }
        return nil
    }
}
