import HostStorage
import StudioJSON

/// Per-model summaries of an eval, computed by one function for live and stored results
/// (docs/evals.md): mean score, pass rate, pass@k (a case passes at least once in k tries),
/// pass^k (it passes every time), mean latency, total cost, and the error taxonomy.
public enum EvalSummary {
    /// A result whose stored sub-scores no longer decode is an error naming it.
    public static func compute(_ results: [CaseResultRecord]) throws(StoredValueError) -> [JSONValue] {
        var order: [String] = []
        for r in results where !order.contains(r.target) { order.append(r.target) }
        return try order.map { target throws(StoredValueError) in
            let rows = results.filter { $0.target == target }
            let byCase = Dictionary(grouping: rows, by: \.caseKey)
            let k = byCase.values.map(\.count).max() ?? 0
            let scores = rows.map { $0.score ?? 0 }
            let passes = rows.filter { $0.passed == true }.count
            let passAtK = byCase.values.filter { $0.contains { $0.passed == true } }.count
            let passHatK = byCase.values.filter { $0.allSatisfy { $0.passed == true } }.count
            let latencies = rows.compactMap(\.latencyMs)
            var errors: [String: Int] = [:]
            for r in rows { if let e = r.errorType { errors[e, default: 0] += 1 } }
            let cases = Double(max(1, byCase.count))
            // The scorer's own parts when it reports them (toolcall: tool and params).
            let subscores = try rows.map { r throws(StoredValueError) in try r.decodedSubscores()["subscores"] }
            func part(_ name: String) -> JSONValue {
                let values = subscores.compactMap { $0?[name]?.doubleValue }
                return values.isEmpty ? .null : .double(values.reduce(0, +) / Double(values.count))
            }
            let noCall = rows.filter { $0.expectsCall == false }
            var byCategory = JSONObject()
            for (category, group) in Dictionary(grouping: rows.filter { $0.category != nil }, by: { $0.category! }).sorted(by: { $0.key < $1.key }) {
                byCategory[category] = ["runs": .int(Int64(group.count)),
                                        "mean_score": .double(group.map { $0.score ?? 0 }.reduce(0, +) / Double(group.count)),
                                        "passed": .int(Int64(group.filter { $0.passed == true }.count))]
            }
            return [
                "target": .string(target), "cases": .int(Int64(byCase.count)), "runs": .int(Int64(rows.count)), "k": .int(Int64(k)),
                "mean_score": .double(scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)),
                "pass_rate": .double(rows.isEmpty ? 0 : Double(passes) / Double(rows.count)),
                "tool_score": part("tool"), "param_score": part("params"), "cases_passed": .int(Int64(passes)),
                "irrelevance_accuracy": noCall.isEmpty ? .null : .double(Double(noCall.filter { $0.passed == true }.count) / Double(noCall.count)),
                "by_category": .object(byCategory),
                "pass_at_k": .double(Double(passAtK) / cases), "pass_hat_k": .double(Double(passHatK) / cases),
                "latency_ms_mean": latencies.isEmpty ? .null : .double(latencies.reduce(0, +) / Double(latencies.count)),
                // Every call's cost by the model's prices; unknown when one is (never a partial sum).
                "cost_usd": rows.contains { $0.costUSD == nil } ? .null : .double(rows.compactMap(\.costUSD).reduce(0, +)),
                "errors": .object(JSONObject(errors.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
            ]
        }
    }
}
