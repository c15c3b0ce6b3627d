import StudioJSON

/// A parameter tuning run as asked for (docs/tuning.md, "Tuning runs"): one model of the
/// caller's, a suite, a search space, a strategy and a hard budget. Each trial is one eval
/// of the suite with one configuration; the best is confirmed against the baseline on a
/// fresh run before any claim is made.
public struct TuneRequest: Sendable {
    public struct Budget: Sendable, Equatable {
        /// Calls to the provider, trials and confirmation together.
        public var maxCalls: Int
        /// Spending in USD by the model's prices; nil: no limit in money.
        public var maxCostUSD: Double?
    }

    public var suiteID: String
    public var provider: String
    public var model: String
    public var spaceJSON: JSONValue
    public var strategy: StrategyName
    public var seed: UInt64
    /// At most this many trials.
    public var trials: Int
    /// Repeats per case for a promising trial and for the confirmation.
    public var repeats: Int
    /// Successive halving: every trial runs each case once, and only those among the best
    /// third so far get the remaining repeats.
    public var halving: Bool
    /// The configuration to beat: parameters, and a system prompt (nil: the suite's).
    public var baselineParams: JSONObject
    public var baselineSystemPrompt: String?
    public var budget: Budget
    /// Run the best and the baseline again, case by case, and compare (docs/tuning.md).
    public var confirm: Bool
    public var scorer: String
    public var toolChoice: String
    public var maxTokens: Int
    public var experimentID: String?

    /// Resolved from `spaceJSON` by `init(json:)`; a bad space is a 400 naming its field.
    public let space: SearchSpace

    public static let defaultMaxCalls = 2_000

    /// A budget as requests give it (parameter and prompt tuning alike).
    public static let budgetSchema: JSONValue = [
        "type": "object", "additionalProperties": false,
        "properties": ["max_calls": ["type": "integer", "minimum": 1, "maximum": 1_000_000],
                       "max_cost_usd": ["type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000]]]

    public static let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["suite_id", "target", "space"],
        "properties": [
            "suite_id": ["type": "string", "minLength": 1, "maxLength": 64],
            "target": ["type": "object", "additionalProperties": false, "required": ["provider", "model"],
                       "properties": ["provider": ["type": "string", "minLength": 1, "maxLength": 64],
                                      "model": ["type": "string", "minLength": 1, "maxLength": 200]]],
            "space": ["type": "object", "minProperties": 1, "maxProperties": 12],
            "strategy": ["enum": ["grid", "random", "tpe"]],
            "seed": ["type": "integer", "minimum": 0, "maximum": 9_007_199_254_740_991],
            "trials": ["type": "integer", "minimum": 1, "maximum": 500],
            "repeat": ["type": "integer", "minimum": 1, "maximum": 10],
            "halving": ["type": "boolean"],
            "baseline": ["type": "object", "additionalProperties": false,
                         "properties": ["params": ["type": "object"], "system_prompt": ["type": "string", "maxLength": 100_000]]],
            "budget": budgetSchema,
            "confirm": ["type": "boolean"],
            "scorer": ["type": "string", "minLength": 1, "maxLength": 64],
            "tool_choice": ["enum": ["auto", "required", "none"]],
            "max_tokens": ["type": "integer", "minimum": 1, "maximum": 100_000],
            "experiment_id": ["type": "string", "minLength": 1, "maxLength": 64],
            "queue": ["type": "boolean"],
        ],
    ]
    public static let example: JSONValue = [
        "suite_id": "0123456789abcdef0123456789abcdef", "target": ["provider": "sim-openai", "model": "sim-ttft5-gap1-toolssurface"],
        "space": ["temperature": ["min": 0, "max": 1.5, "step": 0.05], "top_p": ["min": 0.5, "max": 1, "step": 0.05]],
        "strategy": "tpe", "seed": 7, "trials": 30, "repeat": 2, "halving": true,
        "baseline": ["params": ["temperature": 1, "top_p": 1]], "budget": ["max_calls": 2000, "max_cost_usd": 5], "confirm": true,
    ]

    /// The request as checked by `schema`; the space's own rules are checked here.
    public init(json: JSONValue) throws(FieldError) {
        suiteID = json["suite_id"]?.stringValue ?? ""
        provider = json["target"]?["provider"]?.stringValue ?? ""
        model = json["target"]?["model"]?.stringValue ?? ""
        spaceJSON = json["space"] ?? [:]
        space = try SearchSpace(json: spaceJSON)
        strategy = StrategyName(rawValue: json["strategy"]?.stringValue ?? "tpe") ?? .tpe
        seed = UInt64(json["seed"]?.intValue ?? 1)
        trials = Int(json["trials"]?.intValue ?? 30)
        repeats = Int(json["repeat"]?.intValue ?? 1)
        halving = json["halving"]?.boolValue ?? (repeats > 1)
        baselineParams = json["baseline"]?["params"]?.objectValue ?? [:]
        baselineSystemPrompt = json["baseline"]?["system_prompt"]?.stringValue
        budget = Budget(maxCalls: Int(json["budget"]?["max_calls"]?.intValue ?? Int64(Self.defaultMaxCalls)),
                        maxCostUSD: json["budget"]?["max_cost_usd"]?.doubleValue)
        confirm = json["confirm"]?.boolValue ?? true
        scorer = json["scorer"]?.stringValue ?? "toolcall"
        toolChoice = json["tool_choice"]?.stringValue ?? "auto"
        maxTokens = Int(json["max_tokens"]?.intValue ?? 512)
        experimentID = json["experiment_id"]?.stringValue
        if let value = space.dimensions["tool_choice"], case .values(let list) = value,
           let bad = list.first(where: { !["auto", "required", "none"].contains($0.stringValue ?? "") }) {
            throw FieldError("space.tool_choice", "\(bad.jsonString) is not auto, required or none")
        }
        if let value = space.dimensions["system_prompt"] {
            guard case .values(let list) = value, list.allSatisfy({ $0.stringValue != nil }) else {
                throw FieldError("space.system_prompt", "give the prompts to try as \"values\": [\"…\", \"…\"]")
            }
        }
        _ = try space.strategy(strategy, seed: seed)  // a grid that cannot be listed is refused now
    }

    public var json: JSONValue {
        var baseline: JSONObject = ["params": .object(baselineParams)]
        if let baselineSystemPrompt { baseline["system_prompt"] = .string(baselineSystemPrompt) }
        var budget: JSONObject = ["max_calls": .int(Int64(self.budget.maxCalls))]
        if let cost = self.budget.maxCostUSD { budget["max_cost_usd"] = .double(cost) }
        return ["suite_id": .string(suiteID), "target": ["provider": .string(provider), "model": .string(model)], "space": spaceJSON,
                "strategy": .string(strategy.rawValue), "seed": .int(Int64(seed)), "trials": .int(Int64(trials)),
                "repeat": .int(Int64(repeats)), "halving": .bool(halving), "baseline": .object(baseline), "budget": .object(budget),
                "confirm": .bool(confirm), "scorer": .string(scorer), "tool_choice": .string(toolChoice),
                "max_tokens": .int(Int64(maxTokens)), "experiment_id": experimentID.map(JSONValue.string) ?? .null]
    }

    /// The baseline as a configuration of the same shape as a trial's.
    public var baseline: JSONObject {
        var config = baselineParams
        if let baselineSystemPrompt { config["system_prompt"] = .string(baselineSystemPrompt) }
        return Configuration.canonical(config)
    }

    /// Repeats of each case in a trial's first run: all of them without halving.
    public var firstRepeats: Int { halving ? 1 : repeats }
}
