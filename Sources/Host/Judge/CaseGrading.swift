import HostEvals
import HostStorage
import StudioJSON

/// One grading of case results into one judge report: each result's verdict (or judge
/// error) stored and sent as `judge_verdict` as it comes, then a report card per model
/// sent as `judge_report`. Results may arrive all at once (post-eval) or one by one
/// while the eval runs (inline); at most `concurrency` judge calls are in flight.
public final class CaseGrading: Sendable {
    let context: JudgeContext
    public var report: JudgeReportRecord { context.report }
    private let queue: AsyncStream<CaseResultRecord>.Continuation
    private let work: Task<[String: JSONValue], Never>

    public init(_ context: JudgeContext, concurrency: Int) {
        self.context = context
        let (results, queue) = AsyncStream<CaseResultRecord>.makeStream()
        self.queue = queue
        let grade = Self.grade
        work = Task {
            Dictionary(await JudgeContext.concurrently(results, limit: concurrency) { result in (result.id, await grade(context, result)) },
                       uniquingKeysWith: { _, last in last })
        }
    }

    deinit { queue.finish() }

    /// Hands a result to the judge (returns at once).
    public func submit(_ result: CaseResultRecord) { queue.yield(result) }

    /// Stops grading: nothing more is taken, calls in flight are aborted.
    public func cancel() {
        queue.finish()
        work.cancel()
    }

    /// Waits for every submitted result's verdict, then writes the per-model reports.
    /// Returns the report JSON that is stored.
    public func finish(results: [CaseResultRecord]) async throws -> JSONValue {
        queue.finish()
        // The grading task is not a child of the job's: a cancelled job cancels it here.
        let work = self.work
        let verdicts = await withTaskCancellationHandler { await work.value } onCancel: { work.cancel() }
        var models: [JSONValue] = []
        var order: [String] = []
        for r in results where !order.contains(r.target) { order.append(r.target) }
        for target in order {
            if Task.isCancelled { break }
            let mine = results.filter { $0.target == target }
            let card = await modelReport(target: target, results: mine, verdicts: mine.compactMap { verdicts[$0.id] })
            models.append(card)
            var event = card.objectValue ?? [:]
            event["report_id"] = .string(report.id)
            event["eval_id"] = report.evalRunID.map(JSONValue.string) ?? .null
            try await context.emit(.report(event))
        }
        let errors = verdicts.values.filter { $0["error"] != nil }.count
        return ["models": .array(models), "verdicts": .int(Int64(verdicts.count - errors)), "judge_errors": .int(Int64(errors))]
    }

    /// One result's verdict, stored and emitted; a judge error is a verdict too.
    @Sendable static func grade(_ c: JudgeContext, _ result: CaseResultRecord) async -> JSONValue {
        let (caseData, tools) = c.caseData(result.caseKey)
        let automatic: JSONValue = ["score": result.score.map(JSONValue.double) ?? .null, "passed": result.passed.map(JSONValue.bool) ?? .null,
                                    "error_type": result.errorType.map(JSONValue.string) ?? .null]
        var stored: JSONObject = ["case_id": .string(result.caseKey), "target": .string(result.target),
                                  "repeat": .int(Int64(result.repeatIndex)), "case_result_id": .string(result.id), "automatic_score": automatic]
        do throws(JudgeError) {
            let output = try JudgeError.stored { () throws(StoredValueError) in try result.decodedOutput() }
            let text = try await c.ask(.caseVerdict, ["case": caseData, "tools": tools, "candidate_output": output, "automatic_score": automatic])
            for (key, value) in try JudgeOutput.verdict(text).json.objectValue ?? [:] { stored[key] = value }
        } catch {
            stored["error"] = error.json
        }
        await c.record(stored, caseResultID: result.id, caseKey: result.caseKey, target: result.target)
        return .object(stored)
    }

    /// A model's report card from its verdicts (a judge error when it has none).
    func modelReport(target: String, results: [CaseResultRecord], verdicts: [JSONValue]) async -> JSONValue {
        let graded = verdicts.filter { $0["error"] == nil }
        let qualities = graded.compactMap { $0["quality"]?.doubleValue }
        func count(_ verdict: String) -> JSONValue { .int(Int64(graded.filter { $0["verdict"]?.stringValue == verdict }.count)) }
        var card: JSONObject = ["target": .string(target), "verdicts": .int(Int64(graded.count)),
                                "judge_errors": .int(Int64(verdicts.count - graded.count)),
                                "mean_quality": qualities.isEmpty ? .null : .double(qualities.reduce(0, +) / Double(qualities.count)),
                                "pass": count("pass"), "marginal": count("marginal"), "fail": count("fail")]
        guard !graded.isEmpty else {
            card["error"] = JudgeError("no_verdicts", "every verdict of this model is a judge error").json
            return .object(card)
        }
        let list: [JSONValue] = graded.map {
            ["case_id": $0["case_id"] ?? .null, "repeat": $0["repeat"] ?? .null, "quality": $0["quality"] ?? .null,
             "verdict": $0["verdict"] ?? .null, "reasoning": .string(String(($0["reasoning"]?.stringValue ?? "").prefix(400)))]
        }
        do throws(JudgeError) {
            let summary = try JudgeError.stored { () throws(StoredValueError) in try EvalSummary.compute(results) }.first ?? [:]
            let model: JSONValue = ["target": .string(target), "mean_score": summary["mean_score"] ?? .null,
                                    "pass_rate": summary["pass_rate"] ?? .null, "errors": summary["errors"] ?? [:]]
            let text = try await context.ask(.modelReport, ["model": model, "verdicts": .array(list)])
            for (key, value) in try JudgeOutput.report(text).json.objectValue ?? [:] { card[key] = value }
        } catch {
            card["error"] = error.json
        }
        return .object(card)
    }
}
