import StudioJSON

/// A user's judge settings (`GET|PUT /api/settings/judge`), stored as JSON under the
/// `judge` key of their settings.
public struct JudgeSettings: Sendable, Equatable {
    /// The judge model: one of the user's configured provider models.
    public var provider: String?
    public var model: String?
    public var promptVersion: String
    /// Judge calls in flight at once, 1–20.
    public var concurrency = 4
    /// `show`: verdicts' override scores are shown next to the automatic ones; `apply`:
    /// they replace them in eval results and summaries.
    public var overridePolicy = "show"
    /// Judge an eval as it completes when a model's mean score is below the threshold.
    public var autoJudge = false
    public var autoJudgeThreshold = 0.8

    public static let storageKey = "judge"

    public init(promptVersion: String) { self.promptVersion = promptVersion }

    public static let schema: JSONValue = [
        "type": "object", "additionalProperties": false,
        "properties": [
            "provider": ["type": ["string", "null"], "minLength": 1, "maxLength": 64],
            "model": ["type": ["string", "null"], "minLength": 1, "maxLength": 200],
            "prompt_version": ["type": "string", "minLength": 1, "maxLength": 32],
            "concurrency": ["type": "integer", "minimum": 1, "maximum": 20],
            "override_policy": ["enum": ["show", "apply"]],
            "auto_judge": ["type": "boolean"],
            "auto_judge_threshold": ["type": "number", "minimum": 0, "maximum": 1],
        ],
    ]
    public static let example: JSONValue = ["provider": "sim-openai", "model": "sim-judge-ttft20-gap1", "prompt_version": "v2",
                                            "concurrency": 4, "override_policy": "show", "auto_judge": false,
                                            "auto_judge_threshold": 0.8]

    /// Stored settings (or none) with defaults for what they leave out; `fields` given
    /// (a PUT body) replace the stored ones.
    public init(stored: JSONValue?, defaultVersion: String) {
        self.init(promptVersion: defaultVersion)
        if let stored { apply(stored) }
    }

    public mutating func apply(_ fields: JSONValue) {
        if let v = fields["provider"] { provider = v.stringValue }
        if let v = fields["model"] { model = v.stringValue }
        if let v = fields["prompt_version"]?.stringValue { promptVersion = v }
        if let v = fields["concurrency"]?.intValue { concurrency = max(1, min(20, Int(v))) }
        if let v = fields["override_policy"]?.stringValue { overridePolicy = v }
        if let v = fields["auto_judge"]?.boolValue { autoJudge = v }
        if let v = fields["auto_judge_threshold"]?.doubleValue { autoJudgeThreshold = v }
    }

    public var json: JSONValue {
        ["provider": provider.map(JSONValue.string) ?? .null, "model": model.map(JSONValue.string) ?? .null,
         "prompt_version": .string(promptVersion), "concurrency": .int(Int64(concurrency)),
         "override_policy": .string(overridePolicy), "auto_judge": .bool(autoJudge),
         "auto_judge_threshold": .double(autoJudgeThreshold)]
    }
}
