import PluginKit

enum ToolCallScore {
    static func compute(expected: [ExpectedCall], actual: [ActualCall], strictOrder: Bool,
                        tools: ToolSchemas) -> ScoreResult {
        let schema = SchemaScore.mean(over: actual, tools: tools)

        // No call expected (irrelevance): right only when nothing was called.
        if expected.isEmpty {
            let tool: Double = actual.isEmpty ? 1 : 0
            return result(tool: tool, params: nil, schema: schema, precision: actual.isEmpty ? 1 : 0,
                          recall: 1, errorType: actual.isEmpty ? nil : "tool_hallucination",
                          pairs: [], expectedCount: 0, actualCount: actual.count)
        }

        let paramsExpected = expected.contains { $0.arguments != nil }
        let pairs = strictOrder ? positional(expected.count, actual.count) : bestAssignment(expected, actual)

        var toolSum = 0.0, paramSum = 0.0, paramCount = 0, correct = 0
        var details: [JSONValue] = []
        for (e, call) in expected.enumerated() {
            let a = pairs[e]
            let nameOK = a.map { expected[e].nameMatches(actual[$0].name) } ?? false
            if nameOK { correct += 1 }
            toolSum += nameOK ? 1 : 0
            var accuracy: Double? = nil
            if let arguments = call.arguments {
                accuracy = a.map { paramAccuracy(arguments, actual[$0].arguments) } ?? 0
                paramSum += accuracy!
                paramCount += 1
            }
            details.append([
                "expected": .array(call.names.map(JSONValue.string)),
                "matched_call": a.map { .int(Int64($0)) } ?? .null,
                "tool": .double(nameOK ? 1 : 0),
                "params": accuracy.map(JSONValue.double) ?? .null,
            ])
        }
        let tool = toolSum / Double(expected.count)
        let params: Double? = paramsExpected ? (paramCount == 0 ? 1 : paramSum / Double(paramCount)) : nil
        let precision = actual.isEmpty ? 0 : Double(correct) / Double(actual.count)
        let recall = Double(correct) / Double(expected.count)
        return result(tool: tool, params: params, schema: schema, precision: precision, recall: recall,
                      errorType: errorType(expected, actual, pairs, tool: tool, params: params, tools: tools),
                      pairs: details, expectedCount: expected.count, actualCount: actual.count)
    }

    /// Matched expected keys / expected keys; `{}` expected → 1; unparsable arguments → 0.
    static func paramAccuracy(_ expected: JSONObject, _ actual: JSONObject?) -> Double {
        if expected.isEmpty { return 1 }
        guard let actual else { return 0 }
        var matched = 0
        for (key, want) in expected {
            // Keys compare exactly; a missing key is 0 for that key.
            if let got = actual[key], ArgumentMatcher.matches(expected: want, actual: got) { matched += 1 }
        }
        return Double(matched) / Double(expected.count)
    }

    private static func pairValue(_ e: ExpectedCall, _ a: ActualCall) -> Double {
        let tool: Double = e.nameMatches(a.name) ? 1 : 0
        let params = e.arguments.map { paramAccuracy($0, a.arguments) } ?? 0
        // Weighted like the overall score; the tiny name bonus breaks ties toward the right tool.
        return 0.6 * tool + 0.4 * params + tool * 1e-6
    }

    private static func positional(_ expected: Int, _ actual: Int) -> [Int?] {
        (0..<expected).map { $0 < actual ? $0 : nil }
    }

    /// One-to-one assignment of actual calls to expected calls maximizing the summed pair
    /// value: exact dynamic programming over subsets for up to 12 actual calls, greedy
    /// (best pair first) beyond that.
    static func bestAssignment(_ expected: [ExpectedCall], _ actual: [ActualCall]) -> [Int?] {
        let m = expected.count, n = actual.count
        if n == 0 { return Array(repeating: nil, count: m) }
        let value = expected.map { e in actual.map { pairValue(e, $0) } }
        if n <= 12 {
            // best[i][mask]: best total for expected[i...] with actual calls in `mask` used.
            let full = 1 << n
            var best = Array(repeating: Array(repeating: -1.0, count: full), count: m + 1)
            var choice = Array(repeating: Array(repeating: -1, count: full), count: m + 1)
            for mask in 0..<full { best[m][mask] = 0 }
            for i in stride(from: m - 1, through: 0, by: -1) {
                for mask in 0..<full {
                    var top = best[i + 1][mask]  // leave expected[i] unmatched
                    var pick = -1
                    for j in 0..<n where mask & (1 << j) == 0 {
                        let v = value[i][j] + best[i + 1][mask | (1 << j)]
                        if v > top + 1e-12 { top = v; pick = j }
                    }
                    best[i][mask] = top
                    choice[i][mask] = pick
                }
            }
            var mask = 0
            var pairs: [Int?] = []
            for i in 0..<m {
                let j = choice[i][mask]
                pairs.append(j >= 0 ? j : nil)
                if j >= 0 { mask |= 1 << j }
            }
            return pairs
        }
        var pairs = [Int?](repeating: nil, count: m)
        var used = Set<Int>()
        let ranked = (0..<m).flatMap { i in (0..<n).map { (i, $0, value[i][$0]) } }.sorted { $0.2 > $1.2 }
        for (i, j, _) in ranked where pairs[i] == nil && !used.contains(j) {
            pairs[i] = j
            used.insert(j)
        }
        return pairs
    }

    private static func errorType(_ expected: [ExpectedCall], _ actual: [ActualCall], _ pairs: [Int?],
                                  tool: Double, params: Double?, tools: ToolSchemas) -> String? {
        if tool == 1 && (params ?? 1) == 1 && actual.count <= expected.count { return nil }
        if actual.isEmpty { return "no_call" }
        if actual.contains(where: { $0.arguments == nil }) { return "invalid_invocation" }
        if !tools.isEmpty, actual.contains(where: { !tools.contains($0.name) }) { return "tool_hallucination" }
        if tool < 1 {
            return actual.count < expected.count && pairs.contains(where: { $0 == nil }) ? "partial_execution" : "wrong_tool"
        }
        if actual.count > expected.count { return "extra_calls" }
        // Right tools, wrong values: keys the schema does not know are hallucinated.
        for call in actual {
            if let schema = tools.parameters(call.name), let props = schema["properties"]?.objectValue,
               let args = call.arguments, args.keys.contains(where: { props[$0] == nil }) {
                return "argument_hallucination"
            }
        }
        return "wrong_arguments"
    }

    private static func result(tool: Double, params: Double?, schema: SchemaScore?, precision: Double,
                               recall: Double, errorType: String?, pairs: [JSONValue],
                               expectedCount: Int, actualCount: Int) -> ScoreResult {
        let overall = params.map { 0.6 * tool + 0.4 * $0 } ?? tool
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return ScoreResult(
            score: overall, passed: abs(overall - 1) < 1e-9,
            subscores: [("tool", tool), ("params", params), ("schema", schema?.score),
                        ("required_present", schema?.requiredPresent), ("type_correct", schema?.typeCorrect),
                        ("no_extra", schema?.noExtra),
                        ("precision", precision), ("recall", recall), ("f1", f1)],
            errorType: errorType,
            details: ["expected_calls": .int(Int64(expectedCount)), "actual_calls": .int(Int64(actualCount)),
                      "pairs": .array(pairs)])
    }
}
