import StudioJSON

/// A ready-made provider a plugin's manifest offers (`provider.presets`): Groq, vLLM,
/// Ollama, a Bedrock region… A preset names its plugin, base URL and key variable, and may
/// carry parameter rules of its own (`params`), laid over the plugin's: the servers one
/// plugin speaks to differ (vLLM and Ollama take `top_k`, which OpenAI refuses). One
/// catalogue for the API, the dashboard, the CLI and `preset:` in config.yaml.
public struct ProviderPreset: Sendable, Equatable {
    public let id: String
    public let name: String
    public let pluginID: String
    public let baseURL: String
    public let keyEnv: String?
    /// On this machine or network (vLLM, Ollama, LM Studio): needs local endpoints allowed.
    public let local: Bool
    /// Parameter rules that replace or add to the plugin's for this server.
    public let params: JSONObject

    public var json: JSONValue {
        ["id": .string(id), "name": .string(name), "plugin_id": .string(pluginID), "base_url": .string(baseURL),
         "key_env": keyEnv.map(JSONValue.string) ?? .null, "local": .bool(local), "params": .object(params)]
    }
}

extension PluginRegistry {
    /// Every loaded provider plugin's presets, the first plugin's when two share an id.
    public var presets: [ProviderPreset] {
        var seen = Set<String>()
        var out: [ProviderPreset] = []
        for plugin in plugins where plugin.kinds.contains("provider") {
            for item in plugin.manifest.provider?["presets"]?.arrayValue ?? [] {
                guard let id = item["id"]?.stringValue, let url = item["base_url"]?.stringValue, seen.insert(id).inserted else { continue }
                out.append(ProviderPreset(id: id, name: item["name"]?.stringValue ?? id, pluginID: plugin.id, baseURL: url,
                                          keyEnv: item["key_env"]?.stringValue, local: item["local"]?.boolValue ?? false,
                                          params: item["params"]?.objectValue ?? [:]))
            }
        }
        return out
    }

    public func preset(id: String) -> ProviderPreset? { presets.first { $0.id == id } }
}

extension LoadedPlugin {
    /// The manifest's provider section with a preset's parameter rules laid over its own:
    /// what a `ParameterValidator` enforces for a provider made from that preset.
    public func providerRules(preset presetID: String?) -> JSONValue? {
        guard let section = manifest.provider else { return nil }
        guard let presetID, var object = section.objectValue,
              let preset = section["presets"]?.arrayValue?.first(where: { $0["id"]?.stringValue == presetID }),
              let overrides = preset["params"]?.objectValue, !overrides.isEmpty else { return section }
        var params = section["params"]?.objectValue ?? [:]
        for (name, rule) in overrides { params[name] = rule }
        object["params"] = .object(params)
        return .object(object)
    }
}
