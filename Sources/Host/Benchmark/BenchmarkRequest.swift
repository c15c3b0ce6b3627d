import HostConfig
import StudioJSON

/// A benchmark request, normalized: the one shape the API, schedules and `studio bench`
/// (local or `--server`) build and run (docs/measurement.md). Targets name the user's own
/// providers and models: `{"provider": "<provider id>", "model": "<model id>"}`; a local
/// `studio bench` leaves them empty and picks its targets from the configuration file.
/// Whatever a request leaves out comes from `StudioConfig.Defaults`, the one set of defaults.
public struct BenchmarkRequest: Sendable {
    /// One model as a request's only target (a judge model, a load-test target), resolved
    /// and checked like any benchmark target.
    public static func single(provider: String, model: String) -> BenchmarkRequest {
        BenchmarkRequest(json: ["targets": [["provider": .string(provider), "model": .string(model)]]])
    }

    public struct Target: Sendable, Equatable {
        public let provider: String
        public let model: String
        /// A saved configuration of the model to run it with (docs/tuning.md, "Profiles").
        public var profile: String?
        public var id: String { "\(provider)/\(model)" }

        public init(provider: String, model: String, profile: String? = nil) {
            self.provider = provider
            self.model = model
            self.profile = profile
        }

        /// As requests write a target.
        public var json: JSONValue {
            var object: JSONObject = ["provider": .string(provider), "model": .string(model)]
            if let profile { object["profile"] = .string(profile) }
            return .object(object)
        }

        /// The JSON Schema of a target's `profile`.
        public static let profileSchema: JSONValue = ["type": "string", "minLength": 1, "maxLength": 100]
    }

    public var targets: [Target]
    public var runs: Int
    public var warmup: Bool
    public var prompt: String
    public var maxTokens: Int
    public var temperature: Double
    public var contextTiers: [Int]
    public var params: JSONObject

    /// The request's JSON Schema (the route enforces it before anything else runs).
    public static let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["targets"],
        "properties": [
            "targets": ["type": "array", "minItems": 1, "maxItems": 50, "items": [
                "type": "object", "additionalProperties": false, "required": ["provider", "model"],
                "properties": ["provider": ["type": "string", "minLength": 1, "maxLength": 64],
                               "model": ["type": "string", "minLength": 1, "maxLength": 200], "profile": Target.profileSchema]]],
            "runs": ["type": "integer", "minimum": 1, "maximum": 20],
            "warmup": ["type": "boolean"],
            "prompt": ["type": "string", "minLength": 1, "maxLength": 100_000],
            "max_tokens": ["type": "integer", "minimum": 1, "maximum": 1_000_000],
            // Out-of-range values are clamped by the provider rules (and reported), not refused.
            "temperature": ["type": "number", "minimum": 0, "maximum": 100],
            "context_tiers": ["type": "array", "minItems": 1, "maxItems": 8,
                              "items": ["type": "integer", "minimum": 0, "maximum": 2_000_000]],
            "params": ["type": "object"],
            "queue": ["type": "boolean"],
        ],
    ]

    public static let example: JSONValue = [
        "targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]],
        "runs": 3, "warmup": true, "max_tokens": 256, "temperature": 0.7, "context_tiers": [0], "params": [:], "queue": false,
    ]

    /// The given targets with these defaults (a configuration file's, or the built-in ones).
    public init(targets: [Target] = [], defaults: StudioConfig.Defaults = StudioConfig.Defaults()) {
        self.targets = targets
        runs = defaults.runs
        warmup = defaults.warmup
        prompt = defaults.prompt ?? BenchmarkPlan.defaultPrompt
        maxTokens = defaults.maxTokens
        temperature = defaults.temperature
        contextTiers = defaults.contextTiers
        params = [:]
    }

    /// From a body already checked against `schema`.
    public init(json: JSONValue) {
        self.init(targets: (json["targets"]?.arrayValue ?? []).map {
            Target(provider: $0["provider"]?.stringValue ?? "", model: $0["model"]?.stringValue ?? "", profile: $0["profile"]?.stringValue)
        })
        if let value = json["runs"]?.intValue { runs = Int(value) }
        if let value = json["warmup"]?.boolValue { warmup = value }
        if let value = json["prompt"]?.stringValue { prompt = value }
        if let value = json["max_tokens"]?.intValue { maxTokens = Int(value) }
        if let value = json["temperature"]?.doubleValue { temperature = value }
        if let value = json["context_tiers"]?.arrayValue { contextTiers = value.compactMap { $0.intValue.map(Int.init) } }
        if let value = json["params"]?.objectValue { params = value }
    }

    /// The run defaults this request sets: what target parameters are merged with
    /// (`StudioConfig.Provider.requestParams`), so `max_tokens` and `temperature` reach
    /// each target by the one path.
    public var defaults: StudioConfig.Defaults {
        var defaults = StudioConfig.Defaults()
        defaults.runs = runs
        defaults.maxTokens = maxTokens
        defaults.temperature = temperature
        defaults.contextTiers = contextTiers
        defaults.warmup = warmup
        defaults.prompt = prompt
        return defaults
    }

    /// The plan that runs this request against its resolved targets.
    public func plan(targets: [BenchmarkTarget]) -> BenchmarkPlan {
        var plan = BenchmarkPlan(targets: targets)
        plan.runs = runs
        plan.warmup = warmup
        plan.prompt = prompt
        plan.contextTiers = contextTiers
        return plan
    }

    public var json: JSONValue {
        ["targets": .array(targets.map(\.json)),
         "runs": .int(Int64(runs)), "warmup": .bool(warmup), "prompt": .string(prompt), "max_tokens": .int(Int64(maxTokens)),
         "temperature": .double(temperature), "context_tiers": .array(contextTiers.map { .int(Int64($0)) }), "params": .object(params)]
    }
}
