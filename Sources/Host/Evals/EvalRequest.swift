import HostBenchmark
import HostConfig
import StudioJSON

/// A tool-calling eval request (docs/evals.md): a suite of the caller's, targets, how to offer
/// the tools, and how many times to repeat each case (pass@k / pass^k).
public struct EvalRequest: Sendable {
    public var suiteID: String
    public var targets: [BenchmarkRequest.Target]
    public var toolChoice: String
    public var repeats: Int
    public var scorer: String
    public var maxTokens: Int
    public var temperature: Double
    /// Judge each result as it arrives (live inline judging) with the user's judge settings.
    public var judge: Bool
    /// More sampling parameters (top_p, top_k, seed, …), checked by each provider's rules as a
    /// benchmark's are: one configuration of a model, as a tuner tries it (docs/tuning.md).
    public var params: JSONObject
    /// Replaces the suite's system prompt for this eval (nil: the suite's own).
    public var systemPrompt: String?
    /// The experiment whose timeline this eval joins (docs/tuning.md, "Experiments").
    public var experimentID: String?

    public static let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["suite_id", "targets"],
        "properties": [
            "suite_id": ["type": "string", "minLength": 1, "maxLength": 64],
            // {provider, model} as in benchmarks, or docs/evals.md's {provider_id, model_id}.
            "targets": ["type": "array", "minItems": 1, "maxItems": 20, "items": [
                "type": "object", "additionalProperties": false,
                "anyOf": [["required": ["provider", "model"]], ["required": ["provider_id", "model_id"]]],
                "properties": ["provider": ["type": "string", "minLength": 1, "maxLength": 64],
                               "model": ["type": "string", "minLength": 1, "maxLength": 200],
                               "provider_id": ["type": "string", "minLength": 1, "maxLength": 64],
                               "model_id": ["type": "string", "minLength": 1, "maxLength": 200],
                               "profile": BenchmarkRequest.Target.profileSchema]]],
            "tool_choice": ["enum": ["auto", "required", "none"]],
            "repeat": ["type": "integer", "minimum": 1, "maximum": 10],
            "scorer": ["type": "string", "minLength": 1, "maxLength": 64],
            "max_tokens": ["type": "integer", "minimum": 1, "maximum": 100_000],
            "temperature": ["type": "number", "minimum": 0, "maximum": 100],
            "judge": ["type": "boolean"],
            "params": ["type": "object"],  // bounded by the body limit; each name checked by the provider's rules
            "system_prompt": ["type": "string", "maxLength": 100_000],
            "experiment_id": ["type": "string", "minLength": 1, "maxLength": 64],
            "queue": ["type": "boolean"],
        ],
    ]
    public static let example: JSONValue = ["suite_id": "0123456789abcdef0123456789abcdef",
                                            "targets": [["provider": "sim-openai", "model": "sim-ttft20-gap2-toolscall"]],
                                            "tool_choice": "auto", "repeat": 1, "scorer": "toolcall", "max_tokens": 256,
                                            "temperature": 0, "judge": false, "queue": false]

    public init(json: JSONValue) {
        suiteID = json["suite_id"]?.stringValue ?? ""
        targets = (json["targets"]?.arrayValue ?? []).map {
            BenchmarkRequest.Target(provider: ($0["provider"] ?? $0["provider_id"])?.stringValue ?? "",
                                    model: ($0["model"] ?? $0["model_id"])?.stringValue ?? "", profile: $0["profile"]?.stringValue)
        }
        toolChoice = json["tool_choice"]?.stringValue ?? "auto"
        repeats = json["repeat"]?.intValue.map(Int.init) ?? 1
        scorer = json["scorer"]?.stringValue ?? "toolcall"
        maxTokens = json["max_tokens"]?.intValue.map(Int.init) ?? StudioConfig.Defaults.standardMaxTokens
        temperature = json["temperature"]?.doubleValue ?? 0
        judge = json["judge"]?.boolValue ?? false
        params = json["params"]?.objectValue ?? [:]
        systemPrompt = json["system_prompt"]?.stringValue
        experimentID = json["experiment_id"]?.stringValue
    }

    public var json: JSONValue {
        ["suite_id": .string(suiteID), "targets": .array(targets.map(\.json)),
         "tool_choice": .string(toolChoice), "repeat": .int(Int64(repeats)), "scorer": .string(scorer),
         "max_tokens": .int(Int64(maxTokens)), "temperature": .double(temperature), "judge": .bool(judge),
         "params": .object(params), "system_prompt": systemPrompt.map(JSONValue.string) ?? .null,
         "experiment_id": experimentID.map(JSONValue.string) ?? .null]
    }

    /// The same targets as a benchmark request (to resolve them the same way).
    public var asBenchmark: BenchmarkRequest {
        var request = BenchmarkRequest(json: ["targets": .array(targets.map(\.json))])
        request.maxTokens = maxTokens
        request.temperature = temperature
        request.params = params
        return request
    }
}
