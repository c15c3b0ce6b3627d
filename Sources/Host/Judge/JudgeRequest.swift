import StudioJSON

/// A judge job's request (docs/evals.md, LLM-as-judge): grade one eval (`post_eval`), or
/// compare two evals of the same suite case by case (`compare`). The judge model,
/// prompt version and concurrency come from the user's judge settings unless given.
public struct JudgeRequest: Sendable {
    public var mode: String
    public var evalID: String
    public var evalB: String?
    public var provider: String?
    public var model: String?
    public var promptVersion: String?
    public var concurrency: Int?

    static let overrides: JSONObject = [
        "provider": ["type": "string", "minLength": 1, "maxLength": 64],
        "model": ["type": "string", "minLength": 1, "maxLength": 200],
        "prompt_version": ["type": "string", "minLength": 1, "maxLength": 32],
        "concurrency": ["type": "integer", "minimum": 1, "maximum": 20],
        "queue": ["type": "boolean"],
    ]
    /// `POST /api/evals/{id}/judge`.
    public static let postEvalSchema: JSONValue = ["type": "object", "additionalProperties": false, "properties": .object(overrides)]
    public static let postEvalExample: JSONValue = ["prompt_version": "v2", "concurrency": 4]
    /// `POST /api/evals/compare`.
    public static var compareSchema: JSONValue {
        var properties = overrides
        properties["eval_a"] = ["type": "string", "minLength": 1, "maxLength": 64]
        properties["eval_b"] = ["type": "string", "minLength": 1, "maxLength": 64]
        return ["type": "object", "additionalProperties": false, "required": ["eval_a", "eval_b"], "properties": .object(properties)]
    }
    public static let compareExample: JSONValue = ["eval_a": "0123456789abcdef0123456789abcdef", "eval_b": "fedcba9876543210fedcba9876543210",
                                                   "prompt_version": "v1"]

    public init(mode: String, evalID: String, evalB: String? = nil, overrides body: JSONValue) {
        self.mode = mode
        self.evalID = evalID
        self.evalB = evalB
        provider = body["provider"]?.stringValue
        model = body["model"]?.stringValue
        promptVersion = body["prompt_version"]?.stringValue
        concurrency = body["concurrency"]?.intValue.map(Int.init)
    }

    public init(json: JSONValue) {
        self.init(mode: json["mode"]?.stringValue ?? "post_eval", evalID: json["eval_id"]?.stringValue ?? "",
                  evalB: json["eval_b"]?.stringValue, overrides: json)
    }

    public var json: JSONValue {
        var o: JSONObject = ["mode": .string(mode), "eval_id": .string(evalID)]
        if let evalB { o["eval_b"] = .string(evalB) }
        if let provider { o["provider"] = .string(provider) }
        if let model { o["model"] = .string(model) }
        if let promptVersion { o["prompt_version"] = .string(promptVersion) }
        if let concurrency { o["concurrency"] = .int(Int64(concurrency)) }
        return .object(o)
    }

    /// The user's settings with this request's overrides.
    public func settings(_ stored: JudgeSettings) -> JudgeSettings {
        var settings = stored
        if let provider, let model { (settings.provider, settings.model) = (provider, model) }
        if let promptVersion { settings.promptVersion = promptVersion }
        if let concurrency { settings.concurrency = concurrency }
        return settings
    }
}
