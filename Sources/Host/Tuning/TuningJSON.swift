import HostMeasurement
import HostStorage
import StudioJSON

/// Tuning runs as the API, the job's events and `studio tune` show them (docs/tuning.md):
/// one function per shape, so the live stream and the stored run never disagree.
public enum TuningJSON {
    /// One trial. `trial` counts from 1, as people do.
    public static func trial(_ t: TuningTrialRecord) throws -> JSONObject {
        let config = try JSONParser.parse(t.config)
        let resolved = try JSONParser.parse(t.resolved)
        return ["trial": .int(Int64(t.position + 1)), "config": config, "resolved": resolved, "repeats": .int(Int64(t.repeats)),
                "score": .double(t.score), "cost_usd": t.costUSD.map(JSONValue.double) ?? .null,
                "latency_ms": t.latencyMs.map(JSONValue.double) ?? .null, "calls": .int(Int64(t.calls)), "errors": .int(Int64(t.errors)),
                "case_scores": try JSONParser.parse(t.caseScores), "note": t.note.map(JSONValue.string) ?? .null]
    }

    public static func run(_ r: TuningRunRecord) throws -> JSONObject {
        ["id": .string(r.id), "job_id": r.jobID.map(JSONValue.string) ?? .null, "suite_id": r.suiteID.map(JSONValue.string) ?? .null,
         "experiment_id": r.experimentID.map(JSONValue.string) ?? .null, "kind": .string(r.kind),
         "request": try JSONParser.parse(r.request), "status": .string(r.status), "started_at": .int(r.startedAt),
         "finished_at": r.finishedAt.map(JSONValue.int) ?? .null, "summary": try r.summary.map { try JSONParser.parse($0) } ?? .null]
    }

    public static func spent(_ s: TuningBudget.Spent) -> JSONValue {
        ["calls": .int(Int64(s.calls)), "cost_usd": s.costUSD.map(JSONValue.double) ?? .null]
    }

    /// What a run can take before it starts: at worst (every trial promoted) and typically
    /// (a third promoted, as successive halving aims), in calls and, with prices, USD.
    public static func estimate(request: TuneRequest, cases: Int, callsPerCase: Int, costPerCall: Double?) -> JSONValue {
        let first = cases * request.firstRepeats * callsPerCase
        let further = cases * (request.repeats - request.firstRepeats) * callsPerCase
        let confirmation = request.confirm ? 2 * cases * request.repeats * callsPerCase : 0
        let worst = request.trials * (first + further) + confirmation
        let typical = request.trials * first + (request.trials * further + 2) / 3 + confirmation
        let fit = first + further == 0 ? request.trials : max(0, (request.budget.maxCalls - confirmation) / (first + (request.halving ? further / 3 : further)))
        func usd(_ calls: Int) -> JSONValue { costPerCall.map { .double($0 * Double(calls)) } ?? .null }
        return ["cases": .int(Int64(cases)), "calls_per_case": .int(Int64(callsPerCase)),
                "calls_per_trial": .int(Int64(first)), "calls_per_promotion": .int(Int64(further)),
                "confirmation_calls": .int(Int64(confirmation)), "calls_worst": .int(Int64(worst)), "calls_typical": .int(Int64(typical)),
                "cost_usd_per_call": costPerCall.map(JSONValue.double) ?? .null,
                // At worst only: a call is priced as a full max_tokens answer, far above a typical one.
                "cost_usd_worst": usd(worst),
                "trials_within_max_calls": .int(Int64(min(request.trials, fit))),
                "max_calls": .int(Int64(request.budget.maxCalls)),
                "max_cost_usd": request.budget.maxCostUSD.map(JSONValue.double) ?? .null]
    }

    /// A prompt tuning run's estimate: the trials' and the confirmation's calls, and the
    /// writer's (one call a generation, at most; more only when it is retried).
    public static func withWriterCalls(_ estimate: JSONValue, generations: Int) -> JSONValue {
        var object = estimate.objectValue ?? [:]
        object["writer_calls"] = .int(Int64(generations))
        object["calls_worst"] = .int((object["calls_worst"]?.intValue ?? 0) + Int64(generations))
        object["calls_typical"] = .int((object["calls_typical"]?.intValue ?? 0) + Int64(generations))
        return .object(object)
    }

    /// The run's result: the best trial, the best score after each trial (the convergence
    /// chart), the Pareto front of score, cost and latency, why it stopped, what it spent.
    public static func summary(request: TuneRequest, trials: [TuningTrialRecord], stop: String, spent used: TuningBudget.Spent,
                               estimate: JSONValue) -> JSONObject {
        let ran = trials.filter { $0.repeats > 0 && $0.note?.hasPrefix("the same request") != true }
        var bestSoFar: [JSONValue] = []
        var top: Double? = nil
        for t in trials {
            if t.repeats > 0 { top = max(top ?? t.score, t.score) }
            bestSoFar.append(top.map(JSONValue.double) ?? .null)
        }
        let best = ran.min { a, b in a.score != b.score ? a.score > b.score : a.errors != b.errors ? a.errors < b.errors : a.position < b.position }
        let front = ParetoFront.of(ran.map { ParetoFront.Point(id: String($0.position + 1), score: $0.score, cost: $0.costUSD, latency: $0.latencyMs) })
        return ["trials": .int(Int64(trials.count)), "stopped": .string(stop), "spent": spent(used), "estimate": estimate,
                "best": best.map { b in ["trial": .int(Int64(b.position + 1)), "config": (try? JSONParser.parse(b.config)) ?? .null,
                                         "score": .double(b.score), "repeats": .int(Int64(b.repeats))] } ?? .null,
                "best_so_far": .array(bestSoFar), "pareto": .array(front.compactMap { Int($0).map { .int(Int64($0)) } }),
                "baseline": .object(request.baseline)]
    }

    /// The confirmation (docs/tuning.md, "Honest comparison"): the best and the baseline run
    /// afresh on the same cases, their per-case means paired.
    public static func confirmation(best position: Int, config: JSONObject, baseline: TrialOutcome, candidate: TrialOutcome,
                                    seed: UInt64) -> JSONValue {
        let b = baseline.perCase, c = candidate.perCase
        let cases = b.keys.filter { c[$0] != nil }.sorted()
        let comparison = PairedComparison.of(baseline: cases.map { b[$0]! }, candidate: cases.map { c[$0]! }, seed: seed)
        func side(_ o: TrialOutcome) -> JSONValue {
            ["score": .double(o.score), "cost_usd": o.costUSD.map(JSONValue.double) ?? .null,
             "latency_ms": o.latencyMs.map(JSONValue.double) ?? .null, "calls": .int(Int64(o.calls)), "errors": .int(Int64(o.errors))]
        }
        return ["trial": .int(Int64(position + 1)), "config": .object(config), "baseline": side(baseline), "best": side(candidate),
                "comparison": comparison.json]
    }
}

extension PairedComparison {
    public var json: JSONValue {
        ["cases": .int(Int64(cases)), "mean_difference": .double(meanDifference), "ci_low": .double(low), "ci_high": .double(high),
         "p_value": .double(pValue), "verdict": .string(verdict.rawValue)]
    }
}
