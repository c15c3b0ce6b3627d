import HostEvals
import HostMeasurement
import HostStorage
import StudioJSON

/// An experiment's timeline (docs/tuning.md, "Experiments"): every eval and tuning run
/// linked to it, oldest first, each eval's models with their score, cost and latency and
/// the delta from the baseline eval on the same cases with its confidence interval.
public enum ExperimentTimeline {
    /// One linked eval with its results.
    public struct Eval: Sendable {
        public let run: EvalRunRecord
        public let results: [CaseResultRecord]
        public init(run: EvalRunRecord, results: [CaseResultRecord]) {
            self.run = run
            self.results = results
        }
    }

    /// Mean score per case for each target of an eval.
    static func perCase(_ results: [CaseResultRecord]) -> [String: [String: Double]] {
        var sums: [String: [String: (Double, Int)]] = [:]
        for r in results {
            let (sum, n) = sums[r.target, default: [:]][r.caseKey] ?? (0, 0)
            sums[r.target, default: [:]][r.caseKey] = (sum + (r.score ?? 0), n + 1)
        }
        return sums.mapValues { $0.mapValues { $0.0 / Double($0.1) } }
    }

    /// The eval deltas are measured against: the pinned one, else the first finished eval
    /// run with the baseline configuration.
    public static func baselineEval(_ evals: [Eval], pinned: String?, baseline: JSONObject) -> Eval? {
        if let pinned, let found = evals.first(where: { $0.run.id == pinned }) { return found }
        let wanted = JSONValue.object(Configuration.canonical(baseline)).jsonString
        return evals.first { e in
            e.run.status == "done" && (try? JSONValue.object(Configuration.of(evalRequest: JSONParser.parse(e.run.request))).jsonString) == wanted
        }
    }

    public static func entries(evals: [Eval], tuning: [TuningRunRecord], pinned: String?, baseline: JSONObject, seed: UInt64 = 1) throws -> [JSONValue] {
        let base = baselineEval(evals, pinned: pinned, baseline: baseline)
        let baseScores = base.map { perCase($0.results) } ?? [:]
        var entries: [(Int64, JSONValue)] = []
        for e in evals {
            let request = try JSONParser.parse(e.run.request)
            let summaries = try EvalSummary.compute(e.results)
            let scores = perCase(e.results)
            let models: [JSONValue] = summaries.map { s in
                let target = s["target"]?.stringValue ?? ""
                var delta: JSONValue = .null
                if let mine = scores[target], let theirs = baseScores[target], base?.run.id != e.run.id {
                    let cases = mine.keys.filter { theirs[$0] != nil }.sorted()
                    if !cases.isEmpty {
                        delta = PairedComparison.of(baseline: cases.map { theirs[$0]! }, candidate: cases.map { mine[$0]! }, seed: seed).json
                    }
                }
                return ["target": .string(target), "score": s["mean_score"] ?? .null, "cost_usd": s["cost_usd"] ?? .null,
                        "latency_ms": s["latency_ms_mean"] ?? .null, "cases": s["cases"] ?? .null, "delta": delta]
            }
            entries.append((e.run.startedAt, ["kind": "eval", "id": .string(e.run.id), "at": .int(e.run.startedAt),
                                              "status": .string(e.run.status), "config": .object(Configuration.of(evalRequest: request)),
                                              "baseline": .bool(base?.run.id == e.run.id), "models": .array(models)]))
        }
        for t in tuning {
            let summary = try t.summary.map { try JSONParser.parse($0) } ?? .null
            let request = try JSONParser.parse(t.request)
            entries.append((t.startedAt, ["kind": "tuning", "id": .string(t.id), "at": .int(t.startedAt), "status": .string(t.status),
                                          "target": request["target"] ?? .null, "best": summary["best"] ?? .null,
                                          "trials": summary["trials"] ?? .null, "confirmation": summary["confirmation"] ?? .null,
                                          "spent": summary["spent"] ?? .null]))
        }
        return entries.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The best configuration on the timeline: the highest model score of a finished eval, or
    /// of a finished tuning run's best (its confirmation's fresh score when it has one).
    public static func best(_ entries: [JSONValue]) -> JSONValue {
        var best: (Double, JSONValue)? = nil
        func consider(_ score: Double?, _ candidate: @autoclosure () -> JSONValue) {
            guard let score, score > (best?.0 ?? -1) else { return }
            best = (score, candidate())
        }
        for entry in entries where entry["status"] == "done" {  // a running or cancelled run's score is partial
            let from: JSONValue = ["kind": entry["kind"] ?? .null, "id": entry["id"] ?? .null]
            if entry["kind"] == "eval" {
                for model in entry["models"]?.arrayValue ?? [] {
                    consider(model["score"]?.doubleValue, ["config": entry["config"] ?? [:], "score": model["score"] ?? .null,
                                                           "target": model["target"] ?? .null, "from": from])
                }
            } else if let b = entry["best"], b != .null {
                let score = entry["confirmation"]?["best"]?["score"]?.doubleValue ?? b["score"]?.doubleValue
                let target = entry["target"].map { "\($0["provider"]?.stringValue ?? "")/\($0["model"]?.stringValue ?? "")" } ?? ""
                consider(score, ["config": b["config"] ?? [:], "score": score.map(JSONValue.double) ?? .null,
                                 "target": .string(target), "from": from])
            }
        }
        return best?.1 ?? .null
    }
}
