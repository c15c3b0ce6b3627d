import StudioJSON

/// Reads the original product's `config.yaml` (docs/configuration.md, "Moving from the
/// original") and writes ours. The original reached every provider through LiteLLM: a
/// mapping of provider keys, each with `display_name`, `api_base`, `api_key_env` (or a
/// literal `api_key`), `model_id_prefix`, and models whose ids carry LiteLLM's provider
/// prefix (`anthropic/claude-…`, `lm_studio/…`; none means OpenAI). Each prefix becomes
/// one of our presets or plugins; the rest is carried over field by field, and whatever
/// cannot be is said in a note — never silently dropped, and a literal key never copied.
public enum OriginalConfigImport {
    public struct Result: Sendable {
        /// Our config.yaml, as text.
        public var yaml: String
        /// One line per decision a user should know about.
        public var notes: [String]
        public var providers: Int
        public var models: Int
    }

    /// LiteLLM's provider prefix → our preset, or a plugin with a base URL.
    struct Destination {
        var preset: String?
        var plugin: String?
        var baseURL: String?
        var note: String?
    }

    static let destinations: [String: Destination] = [
        "openai": .init(preset: "openai"), "anthropic": .init(preset: "anthropic"), "gemini": .init(preset: "gemini"),
        "vertex_ai": .init(preset: "vertex-us-central1", note: "its base_url names YOUR-PROJECT: put your Google Cloud project (and region) in it"),
        "ollama": .init(preset: "ollama-native"), "ollama_chat": .init(preset: "ollama-native"),
        "lm_studio": .init(preset: "lmstudio"), "vllm": .init(preset: "vllm"), "hosted_vllm": .init(preset: "vllm"),
        "mistral": .init(preset: "mistral"), "deepseek": .init(preset: "deepseek"), "xai": .init(preset: "xai"),
        "groq": .init(preset: "groq"), "together_ai": .init(preset: "together"), "fireworks_ai": .init(preset: "fireworks"),
        "openrouter": .init(preset: "openrouter"), "perplexity": .init(preset: "perplexity"),
        "cohere": .init(preset: "cohere"), "cohere_chat": .init(preset: "cohere"),
        "azure": .init(preset: "azure-openai", note: "its base_url must be your resource (https://NAME.openai.azure.com) and each model id a deployment name"),
        "bedrock": .init(preset: "bedrock-us-east-1", note: "its region is us-east-1 unless you change base_url; the key is a Bedrock API key or ACCESS_KEY_ID:SECRET"),
        // Z.ai's API speaks OpenAI's chat format.
        "zai": .init(plugin: "openai", baseURL: "https://api.z.ai/api/paas/v4"),
    ]

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static func convert(_ text: String, source: String = "the original config.yaml") throws(Invalid) -> Result {
        let root: JSONValue
        do { root = try YAMLJSON.parse(text) } catch { throw Invalid(description: "\(source) is not YAML: \(error.description)") }
        guard let providers = root["providers"]?.objectValue else {
            throw Invalid(description: root["providers"]?.arrayValue != nil
                          ? "\(source) already lists providers as a list: it looks like this studio's own config.yaml, not the original's"
                          : "\(source) has no providers mapping (the original's format: providers: {key: {display_name, api_base, models}})")
        }
        var notes: [String] = []
        var lines = ["# Imported from \(source) by `studio config import` (docs/configuration.md).",
                     "# API keys never go in this file: each provider names the environment variable holding its key."]

        // Defaults: runs, max_tokens, temperature, context_tiers, prompt (warmup is ours).
        var defaults: [String] = []
        if let d = root["defaults"]?.objectValue {
            for (key, value) in d {
                switch key {
                case "max_tokens", "temperature", "context_tiers", "prompt", "runs", "warmup":
                    defaults.append("  \(key): \(value.jsonString)")
                default:
                    notes.append("defaults.\(key): not a setting of this studio, left out")
                }
            }
        }
        if let templates = root["prompt_templates"]?.objectValue, !templates.isEmpty {
            notes.append("prompt_templates: \(templates.count) templates left out (this configuration has one prompt, defaults.prompt; the dashboard's benchmark page has templates)")
        }
        for key in root.objectValue?.keys ?? [] where !["defaults", "providers", "prompt_templates"].contains(key) {
            notes.append("\(key): not part of this studio's configuration, left out")
        }
        if !defaults.isEmpty { lines += ["defaults:"] + defaults }
        lines.append("providers:")

        var providerCount = 0, modelCount = 0
        var usedIDs = Set<String>()
        for (key, value) in providers {
            guard let provider = value.objectValue else {
                notes.append("providers.\(key): not a mapping, left out")
                continue
            }
            let at = "providers.\(key)"
            let apiBase = provider["api_base"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            let defaultPrefix = provider["model_id_prefix"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if provider["api_key"] != nil {
                // The value is never repeated, not even in a note.
                notes.append("\(at).api_key: a key written in the file is not carried over; put it in an environment variable and name it with api_key_env")
            }
            if provider["direct_local"] != nil { notes.append("\(at).direct_local: not needed here (local servers are called directly), left out") }
            for field in provider.keys where !["display_name", "api_base", "api_key_env", "api_key", "model_id_prefix", "models", "direct_local"].contains(field) {
                notes.append("\(at).\(field): not known, left out")
            }
            // Models grouped by their LiteLLM prefix: one provider of ours per prefix.
            var groups: [(prefix: String, models: [(id: String, fields: JSONObject, index: Int)])] = []
            for (index, model) in (provider["models"]?.arrayValue ?? []).enumerated() {
                guard let fields = model.objectValue, let full = fields["id"]?.stringValue, !full.isEmpty else {
                    notes.append("\(at).models[\(index)]: no id, left out")
                    continue
                }
                let (prefix, id) = split(full, defaultPrefix: defaultPrefix, hasBase: apiBase != nil)
                if let g = groups.firstIndex(where: { $0.prefix == prefix }) {
                    groups[g].models.append((id, fields, index))
                } else {
                    groups.append((prefix, [(id, fields, index)]))
                }
            }
            if groups.isEmpty { notes.append("\(at): no models, left out (every provider here needs at least one)") }
            if groups.count > 1 {
                notes.append("\(at): its models name \(groups.count) LiteLLM providers (\(groups.map(\.prefix).joined(separator: ", "))): one provider each here, sharing its key variable")
            }
            for group in groups {
                var id = sanitized(groups.count > 1 ? "\(key)-\(group.prefix)" : key)
                while usedIDs.contains(id) { id += "-2" }
                usedIDs.insert(id)
                var destination = destinations[group.prefix] ?? Destination(plugin: "openai")
                if destinations[group.prefix] == nil {
                    notes.append("\(at): LiteLLM provider \"\(group.prefix)\" has no plugin of its own here; imported as OpenAI-compatible"
                                 + (apiBase == nil ? " — set its base_url" : ""))
                    if apiBase == nil { destination.baseURL = "https://YOUR-SERVER/v1" }
                }
                if let note = destination.note { notes.append("\(id): \(note)") }
                providerCount += 1
                lines.append("  - id: \(JSONValue.string(id).jsonString)")
                lines.append("    name: \(JSONValue.string(provider["display_name"]?.stringValue ?? key).jsonString)")
                if let preset = destination.preset { lines.append("    preset: \(JSONValue.string(preset).jsonString)") }
                if let plugin = destination.plugin { lines.append("    plugin: \(JSONValue.string(plugin).jsonString)") }
                if let url = apiBase ?? destination.baseURL { lines.append("    base_url: \(JSONValue.string(url).jsonString)") }
                if let variable = provider["api_key_env"]?.stringValue, !variable.isEmpty {
                    lines.append("    api_key_env: \(JSONValue.string(variable).jsonString)")
                }
                lines.append("    models:")
                for model in group.models {
                    modelCount += 1
                    lines.append("      - id: \(JSONValue.string(model.id).jsonString)")
                    var params = JSONObject()
                    for (field, value) in model.fields where field != "id" {
                        switch field {
                        case "display_name", "context_window", "skip_params", "system_prompt":
                            lines.append("        \(field): \(value.jsonString)")
                        case "max_output_tokens": lines.append("        max_output: \(value.jsonString)")
                        case "input_cost_per_mtok": lines.append("        price_in: \(value.jsonString)")
                        case "output_cost_per_mtok": lines.append("        price_out: \(value.jsonString)")
                        default:
                            // The original passed other keys to LiteLLM as call arguments.
                            params[field] = value
                        }
                    }
                    if !params.isEmpty {
                        lines.append("        params: \(JSONValue.object(params).jsonString)")
                        notes.append("\(id)/\(model.id): \(params.keys.joined(separator: ", ")) kept as model parameters (the provider's rules check them)")
                    }
                }
            }
        }
        guard providerCount > 0 else { throw Invalid(description: "\(source): no provider with models to import") }
        return Result(yaml: lines.joined(separator: "\n") + "\n", notes: notes, providers: providerCount, models: modelCount)
    }

    /// `anthropic/claude-x` → ("anthropic", "claude-x"); `lm_studio/org/model` →
    /// ("lm_studio", "org/model"); no prefix → the provider's `model_id_prefix`, else openai.
    /// With no `api_base`, an unknown first segment can only have been a LiteLLM provider
    /// (`nscale/model`); behind an `api_base` it is part of the model's name (`meta-llama/…`).
    static func split(_ full: String, defaultPrefix: String?, hasBase: Bool) -> (String, String) {
        if let slash = full.firstIndex(of: "/") {
            let prefix = String(full[..<slash])
            if destinations[prefix] != nil || prefix == defaultPrefix || !hasBase {
                return (prefix, String(full[full.index(after: slash)...]))
            }
        }
        return (defaultPrefix ?? "openai", full)
    }

    /// Our ids: letters, digits, - and _.
    static func sanitized(_ key: String) -> String {
        let mapped = String(key.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        return mapped.isEmpty ? "imported" : mapped
    }
}
