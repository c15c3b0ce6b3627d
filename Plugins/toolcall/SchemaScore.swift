import PluginKit

/// 0.5 × required-present + 0.3 × type-correct + 0.2 × (1 − extra/provided), per call,
/// averaged over the calls whose tool has a schema. A tool without a schema gives no
/// schema parts at all (null), never a made-up 1.
struct SchemaScore {
    let requiredPresent: Double
    let typeCorrect: Double
    let noExtra: Double
    var score: Double { 0.5 * requiredPresent + 0.3 * typeCorrect + 0.2 * noExtra }

    static func of(_ call: ActualCall, schema: JSONValue) -> SchemaScore {
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let arguments = call.arguments ?? JSONObject()

        let present = required.filter { arguments[$0] != nil }.count
        let requiredPresent = required.isEmpty ? 1 : Double(present) / Double(required.count)

        var known = 0, wellTyped = 0, extra = 0
        for (key, value) in arguments {
            guard let property = properties[key] else { extra += 1; continue }
            known += 1
            if typeMatches(value, property) { wellTyped += 1 }
        }
        let typeCorrect = known == 0 ? (call.arguments == nil ? 0 : 1) : Double(wellTyped) / Double(known)
        let noExtra = arguments.isEmpty ? 1 : 1 - Double(extra) / Double(arguments.count)
        return SchemaScore(requiredPresent: requiredPresent, typeCorrect: typeCorrect, noExtra: noExtra)
    }

    static func mean(over calls: [ActualCall], tools: ToolSchemas) -> SchemaScore? {
        let scores = calls.compactMap { call in tools.parameters(call.name).map { of(call, schema: $0) } }
        guard !scores.isEmpty else { return nil }
        let n = Double(scores.count)
        return SchemaScore(requiredPresent: scores.map(\.requiredPresent).reduce(0, +) / n,
                           typeCorrect: scores.map(\.typeCorrect).reduce(0, +) / n,
                           noExtra: scores.map(\.noExtra).reduce(0, +) / n)
    }

    /// JSON Schema types, plus BFCL's dialect (dict, float, tuple, any).
    static func typeMatches(_ value: JSONValue, _ property: JSONValue) -> Bool {
        let declared: [String]
        if let t = property["type"]?.stringValue {
            declared = [t]
        } else if let ts = property["type"]?.arrayValue {
            declared = ts.compactMap(\.stringValue)
        } else {
            return true  // untyped property: anything goes
        }
        return declared.contains { type in
            switch type {
            case "dict": return JSONSchema.value(value, hasType: "object")
            case "float": return JSONSchema.value(value, hasType: "number")
            case "tuple": return JSONSchema.value(value, hasType: "array")
            case "any": return true
            default: return JSONSchema.value(value, hasType: type)
            }
        }
    }
}

/// Multi-turn: completion × efficiency, efficiency = min(1, optimal_hops / hops),
/// −0.1 per consecutive repeated call, −0.1 per non-final call outside the valid
/// prerequisite tools, clamped to [0, 1]. Completion is the single-turn overall score of
/// the expected (final) calls against every call made.
enum MultiTurnScore {
    static func apply(to base: ScoreResult, settings: JSONValue, actual: [ActualCall], output: JSONValue) -> ScoreResult {
        let optimal = Double(settings["optimal_hops"]?.intValue ?? 2)
        let prerequisites = Set((settings["prerequisites"] ?? settings["valid_prerequisites"])?.arrayValue?
            .compactMap { $0.stringValue?.lowercased() } ?? [])
        let hops = max(1, Int(output["rounds"]?.intValue ?? Int64(actual.count)))
        let efficiency = min(1, optimal / Double(hops))

        var repeats = 0
        for i in actual.indices.dropFirst()
        where actual[i].name.lowercased() == actual[i - 1].name.lowercased() && actual[i].arguments == actual[i - 1].arguments {
            repeats += 1
        }
        var detours = 0
        for call in actual.dropLast() where !prerequisites.contains(call.name.lowercased()) { detours += 1 }

        let completion = base.score
        let score = min(1, max(0, completion * efficiency - 0.1 * Double(repeats) - 0.1 * Double(detours)))
        var result = base
        result.score = score
        result.passed = abs(score - 1) < 1e-9
        result.subscores += [("completion", completion), ("efficiency", efficiency)]
        if repeats > 0 && result.errorType == nil { result.errorType = "reentrant_failure" }
        if var details = result.details.objectValue {
            details["hops"] = .int(Int64(hops))
            details["repeated_calls"] = .int(Int64(repeats))
            details["non_prerequisite_calls"] = .int(Int64(detours))
            result.details = .object(details)
        }
        return result
    }
}
