import StudioJSON

/// A prompt tuning run as asked for (docs/tuning.md, "Prompt tuning"): candidate system
/// prompts for one model on one suite, written by a meta model (the writer) and each scored
/// as a trial; quick (one round of candidates) or evolutionary (generations that keep the
/// best and ask the writer to improve on them). The same budget, confirmation and
/// storage as parameter tuning; the best is saved to the prompt library.
public struct PromptTuneRequest: Sendable {
    public enum Mode: String, Sendable { case quick, evolutionary }

    public var suiteID: String
    public var provider: String
    public var model: String
    public var writerProvider: String
    public var writerModel: String
    public var mode: Mode
    /// Candidates per generation (quick: `candidates`; evolutionary: `population`).
    public var population: Int
    public var generations: Int
    /// The best prompts kept from one generation to the next, shown to the writer.
    public var survivors: Int
    /// The model's sampling parameters, the same for every candidate.
    public var params: JSONObject
    /// The prompt to beat (nil: the suite's).
    public var baselinePrompt: String?
    /// Library prompts to start from (scored in the first generation, shown to the writer).
    public var seeds: [String]
    public var labels: [String]
    public var repeats: Int
    public var budget: TuneRequest.Budget
    public var confirm: Bool
    public var scorer: String
    public var toolChoice: String
    public var maxTokens: Int
    public var experimentID: String?

    static let target: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["provider", "model"],
        "properties": ["provider": ["type": "string", "minLength": 1, "maxLength": 64], "model": ["type": "string", "minLength": 1, "maxLength": 200]]]

    public static let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["suite_id", "target", "writer"],
        "properties": [
            "suite_id": ["type": "string", "minLength": 1, "maxLength": 64],
            "target": target, "writer": target,
            "mode": ["enum": ["quick", "evolutionary"]],
            "candidates": ["type": "integer", "minimum": 1, "maximum": 20],
            "population": ["type": "integer", "minimum": 2, "maximum": 20],
            "generations": ["type": "integer", "minimum": 1, "maximum": 10],
            "survivors": ["type": "integer", "minimum": 1, "maximum": 10],
            "params": ["type": "object"],
            "baseline_prompt": ["type": "string", "maxLength": 100_000],
            "seeds": ["type": "array", "maxItems": 10, "items": ["type": "string", "minLength": 1, "maxLength": 64]],
            "labels": ["type": "array", "maxItems": 10, "items": ["type": "string", "minLength": 1, "maxLength": 50]],
            "repeat": ["type": "integer", "minimum": 1, "maximum": 10],
            "budget": TuneRequest.budgetSchema,
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
        "writer": ["provider": "sim-openai", "model": "sim-ttft5-gap1-promptwriter"], "mode": "evolutionary",
        "population": 6, "generations": 3, "survivors": 2, "params": ["temperature": 0.35, "top_p": 0.8],
        "labels": ["weather"], "budget": ["max_calls": 2000],
    ]

    public init(json: JSONValue) throws(FieldError) {
        suiteID = json["suite_id"]?.stringValue ?? ""
        provider = json["target"]?["provider"]?.stringValue ?? ""
        model = json["target"]?["model"]?.stringValue ?? ""
        writerProvider = json["writer"]?["provider"]?.stringValue ?? ""
        writerModel = json["writer"]?["model"]?.stringValue ?? ""
        mode = Mode(rawValue: json["mode"]?.stringValue ?? "quick") ?? .quick
        switch mode {
        case .quick:
            if json["population"] != nil || json["generations"] != nil || json["survivors"] != nil {
                throw FieldError("mode", "population, generations and survivors are for the evolutionary mode; quick takes candidates")
            }
            population = Int(json["candidates"]?.intValue ?? 6)
            generations = 1
            survivors = 0
        case .evolutionary:
            if json["candidates"] != nil { throw FieldError("candidates", "the evolutionary mode takes population, generations and survivors") }
            population = Int(json["population"]?.intValue ?? 6)
            generations = Int(json["generations"]?.intValue ?? 3)
            survivors = Int(json["survivors"]?.intValue ?? 2)
            guard survivors < population else { throw FieldError("survivors", "must be fewer than the population (\(population))") }
        }
        params = json["params"]?.objectValue ?? [:]
        for name in Configuration.evalSettings where params[name] != nil {
            throw FieldError("params.\(name)", name == "system_prompt" ? "is what the tuner writes; give the one to beat as baseline_prompt"
                                                                       : "give it as tool_choice beside params")
        }
        baselinePrompt = json["baseline_prompt"]?.stringValue
        seeds = json["seeds"]?.arrayValue?.compactMap(\.stringValue) ?? []
        labels = json["labels"]?.arrayValue?.compactMap(\.stringValue) ?? []
        repeats = Int(json["repeat"]?.intValue ?? 1)
        budget = TuneRequest.Budget(maxCalls: Int(json["budget"]?["max_calls"]?.intValue ?? Int64(TuneRequest.defaultMaxCalls)),
                                    maxCostUSD: json["budget"]?["max_cost_usd"]?.doubleValue)
        confirm = json["confirm"]?.boolValue ?? true
        scorer = json["scorer"]?.stringValue ?? "toolcall"
        toolChoice = json["tool_choice"]?.stringValue ?? "auto"
        maxTokens = Int(json["max_tokens"]?.intValue ?? 512)
        experimentID = json["experiment_id"]?.stringValue
    }

    /// Every candidate is a trial: the fixed parameters and its prompt.
    public func config(prompt: String) -> JSONObject {
        var config = params
        config["system_prompt"] = .string(prompt)
        if toolChoice != "auto" { config["tool_choice"] = .string(toolChoice) }
        return Configuration.canonical(config)
    }

    /// The trials at most: every generation's candidates (and the seeds).
    public var trials: Int { seeds.count + population * generations }

    /// The same run as a parameter tuning request, for what they share: the eval of one
    /// configuration, the budget estimate, the confirmation.
    public var asTuneRequest: TuneRequest {
        var baseline: JSONObject = ["params": .object(params)]
        if let baselinePrompt { baseline["system_prompt"] = .string(baselinePrompt) }
        var json: JSONObject = [
            "suite_id": .string(suiteID), "target": ["provider": .string(provider), "model": .string(model)],
            "space": ["system_prompt": ["values": ["(written by the tuner)"]]], "strategy": "grid",
            "trials": .int(Int64(min(500, max(1, trials)))), "repeat": .int(Int64(repeats)), "halving": false,
            "baseline": .object(baseline), "budget": budgetJSON,
            "confirm": .bool(confirm), "scorer": .string(scorer), "tool_choice": .string(toolChoice), "max_tokens": .int(Int64(maxTokens)),
        ]
        if let experimentID { json["experiment_id"] = .string(experimentID) }
        // Built from a request already checked, so it parses.
        return try! TuneRequest(json: .object(json))
    }

    var budgetJSON: JSONValue {
        var object: JSONObject = ["max_calls": .int(Int64(budget.maxCalls))]
        if let cost = budget.maxCostUSD { object["max_cost_usd"] = .double(cost) }
        return .object(object)
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "suite_id": .string(suiteID), "target": ["provider": .string(provider), "model": .string(model)],
            "writer": ["provider": .string(writerProvider), "model": .string(writerModel)], "mode": .string(mode.rawValue),
            "params": .object(params), "seeds": .array(seeds.map(JSONValue.string)), "labels": .array(labels.map(JSONValue.string)),
            "repeat": .int(Int64(repeats)), "confirm": .bool(confirm), "scorer": .string(scorer), "tool_choice": .string(toolChoice),
            "max_tokens": .int(Int64(maxTokens)),
            "budget": budgetJSON,
        ]
        switch mode {
        case .quick: object["candidates"] = .int(Int64(population))
        case .evolutionary:
            object["population"] = .int(Int64(population))
            object["generations"] = .int(Int64(generations))
            object["survivors"] = .int(Int64(survivors))
        }
        if let baselinePrompt { object["baseline_prompt"] = .string(baselinePrompt) }
        if let experimentID { object["experiment_id"] = .string(experimentID) }
        return .object(object)
    }
}
