import StudioJSON

/// One configuration of a model as tuning trials, experiments and profiles write it
/// (docs/tuning.md): a flat object of sampling parameters (`temperature`, `top_p`, …) plus
/// two eval settings, `system_prompt` and `tool_choice`, when they are set. The one place
/// that turns it into an eval's fields and back.
public enum Configuration {
    /// The eval settings a configuration may carry besides sampling parameters.
    public static let evalSettings: Set<String> = ["system_prompt", "tool_choice"]

    /// An eval's fields: the sampling parameters, the system prompt, the tool choice.
    public static func split(_ config: JSONObject) -> (params: JSONObject, systemPrompt: String?, toolChoice: String?) {
        var params = config
        for name in evalSettings { params[name] = nil }
        return (params, config["system_prompt"]?.stringValue, config["tool_choice"]?.stringValue)
    }

    /// The configuration an eval request ran with (its `params`, `system_prompt`, and
    /// `tool_choice` unless `auto`), keys sorted.
    public static func of(evalRequest request: JSONValue) -> JSONObject {
        var config = request["params"]?.objectValue ?? [:]
        if let prompt = request["system_prompt"]?.stringValue { config["system_prompt"] = .string(prompt) }
        if let choice = request["tool_choice"]?.stringValue, choice != "auto" { config["tool_choice"] = .string(choice) }
        return canonical(config)
    }

    /// Keys sorted: equal configurations are equal text.
    public static func canonical(_ object: JSONObject) -> JSONObject {
        JSONObject(object.keys.sorted().map { ($0, object[$0]!) })
    }

    /// `{params, system_prompt?}` as requests give a baseline, flattened.
    public static func from(baseline json: JSONValue?) -> JSONObject {
        var config = json?["params"]?.objectValue ?? [:]
        if let prompt = json?["system_prompt"]?.stringValue { config["system_prompt"] = .string(prompt) }
        return canonical(config)
    }
}
