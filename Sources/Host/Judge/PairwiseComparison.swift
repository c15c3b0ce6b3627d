import HostStorage
import StudioJSON

/// Pairwise comparison of two evals: every (case, model) present in both is judged twice,
/// A shown first and then B shown first; PairwiseRule decides; repeats are paired by index.
public struct PairwiseComparison: Sendable {
    let context: JudgeContext
    let concurrency: Int

    public init(context: JudgeContext, concurrency: Int) {
        self.context = context
        self.concurrency = concurrency
    }

    /// Pairs of results: same case and repeat; the same model when both evals ran it,
    /// else the models in order (comparing model X in one eval with model Y in the other).
    static func pairs(a: [CaseResultRecord], b: [CaseResultRecord]) -> [(CaseResultRecord, CaseResultRecord)] {
        let targetsA = a.map(\.target).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let targetsB = b.map(\.target).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let shared = targetsA.filter(targetsB.contains)
        let matched: [(String, String)] = shared.isEmpty ? Array(zip(targetsA, targetsB)) : shared.map { ($0, $0) }
        var out: [(CaseResultRecord, CaseResultRecord)] = []
        for (ta, tb) in matched {
            for ra in a where ra.target == ta {
                if let rb = b.first(where: { $0.target == tb && $0.caseKey == ra.caseKey && $0.repeatIndex == ra.repeatIndex }) {
                    out.append((ra, rb))
                }
            }
        }
        return out
    }

    public func run(a: [CaseResultRecord], b: [CaseResultRecord]) async throws -> JSONValue {
        let pairs = Self.pairs(a: a, b: b)
        let report = context.report
        try await context.emit(.progress(["report_id": .string(report.id), "done": 0, "total": .int(Int64(pairs.count))]))
        let indexed = AsyncStream<(Int, (CaseResultRecord, CaseResultRecord))> { queue in
            for item in pairs.enumerated() { queue.yield(item) }
            queue.finish()
        }
        // Each pair is two calls, so half the concurrency in pairs (at least one).
        let judged = await JudgeContext.concurrently(indexed, limit: max(1, concurrency / 2)) { item in
            (item.0, await judgePair(item.1.0, item.1.1))
        }
        let verdicts = judged.sorted { $0.0 < $1.0 }.map(\.1)
        let outcomes = verdicts.compactMap { $0["outcome"]?.stringValue.flatMap(PairwiseRule.Outcome.init(rawValue:)) }
        var summary = PairwiseRule.summary(outcomes, errors: verdicts.count - outcomes.count).objectValue ?? [:]
        summary["eval_a"] = report.evalRunID.map(JSONValue.string) ?? .null
        summary["eval_b"] = report.compareRunID.map(JSONValue.string) ?? .null
        summary["pairs"] = .array(Set(pairs.map { "\($0.0.target) vs \($0.1.target)" }).sorted().map(JSONValue.string))
        var event = summary
        event["report_id"] = .string(report.id)
        try await context.emit(.report(event))
        return .object(summary)
    }

    func judgePair(_ ra: CaseResultRecord, _ rb: CaseResultRecord) async -> JSONValue {
        let (caseData, tools) = context.caseData(ra.caseKey)
        func response(_ r: CaseResultRecord) throws(JudgeError) -> JSONValue {
            ["output": try JudgeError.stored { () throws(StoredValueError) in try r.decodedOutput() },
             "automatic_score": r.score.map(JSONValue.double) ?? .null]
        }
        var stored: JSONObject = ["case_id": .string(ra.caseKey), "repeat": .int(Int64(ra.repeatIndex)), "target_a": .string(ra.target),
                                  "target_b": .string(rb.target), "case_result_a": .string(ra.id), "case_result_b": .string(rb.id),
                                  "score_a": ra.score.map(JSONValue.double) ?? .null, "score_b": rb.score.map(JSONValue.double) ?? .null]
        do throws(JudgeError) {
            // Run A shown first, then run B shown first.
            let aFirst = try JudgeOutput.pairwise(try await context.ask(.pairwise, ["case": caseData, "tools": tools,
                                                                                    "response_a": try response(ra), "response_b": try response(rb)]))
            let bFirst = try JudgeOutput.pairwise(try await context.ask(.pairwise, ["case": caseData, "tools": tools,
                                                                                    "response_a": try response(rb), "response_b": try response(ra)]))
            stored["a_first"] = ["pick": .string(aFirst.0.rawValue), "reasoning": .string(aFirst.reasoning)]
            stored["b_first"] = ["pick": .string(bFirst.0.rawValue), "reasoning": .string(bFirst.reasoning)]
            stored["outcome"] = .string(PairwiseRule.outcome(aFirst: aFirst.0, bFirst: bFirst.0).rawValue)
        } catch {
            stored["error"] = error.json
        }
        await context.record(stored, caseResultID: nil, caseKey: ra.caseKey, target: "\(ra.target) vs \(rb.target)")
        return .object(stored)
    }
}
