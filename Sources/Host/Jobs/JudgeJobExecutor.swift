import HostBenchmark
import HostEvals
import HostJudge
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// Runs judge jobs: grading a stored eval, or comparing two evals of one suite.
public struct JudgeJobExecutor: JobExecutor {
    public let kind = JobKind.judge
    let judge: JudgeServices
    let suites: SuiteStore
    let evals: EvalStore
    let jobs: JobStore

    public init(judge: JudgeServices, suites: SuiteStore, evals: EvalStore, jobs: JobStore) {
        self.judge = judge
        self.suites = suites
        self.evals = evals
        self.jobs = jobs
    }

    public func run(_ job: JobRecord, events: JobEventWriter) async throws {
        let request = JudgeRequest(json: try JSONParser.parse(job.request))
        let settings = request.settings(try await judge.userSettings(job.userID))
        guard let eval = try await evals.run(userID: job.userID, id: request.evalID) else { throw JobFailure("the eval no longer exists") }
        let (client, prompts, judgeModel) = try await judge.client(userID: job.userID, settings: settings, events: events)
        let (cases, tools) = try await EvalJudging.caseBodies(userID: job.userID, suiteID: eval.suiteID, suites: suites)
        let report = try await judge.store.createReport(userID: job.userID, evalRunID: eval.id, compareRunID: request.evalB,
                                                        mode: request.mode, judgeModel: judgeModel,
                                                        promptVersion: settings.promptVersion, jobID: job.id)
        try await jobs.setResult(jobID: job.id, kind: "judge_report", id: report.id)
        let results = try await evals.results(userID: job.userID, runID: eval.id)
        let reportJSON: JSONValue
        if request.mode == "compare" {
            guard let evalB = request.evalB, let other = try await evals.run(userID: job.userID, id: evalB) else {
                throw JobFailure("the second eval no longer exists")
            }
            let context = JudgeContext(userID: job.userID, report: report, client: client, prompts: prompts, store: judge.store,
                                       cases: cases, tools: tools, emit: { try await events.emit($0) })
            let comparison = PairwiseComparison(context: context, concurrency: settings.concurrency)
            reportJSON = try await comparison.run(a: results, b: try await evals.results(userID: job.userID, runID: other.id))
        } else {
            try await events.emit("progress", ["report_id": .string(report.id), "eval_id": .string(eval.id), "done": 0,
                                               "total": .int(Int64(results.count))])
            let grading = CaseGrading(JudgeContext(userID: job.userID, report: report, client: client, prompts: prompts, store: judge.store,
                                                   cases: cases, tools: tools, emit: { try await events.emit($0) }), concurrency: settings.concurrency)
            for result in results { grading.submit(result) }
            reportJSON = try await grading.finish(results: results)
        }
        let cancelled = Task.isCancelled
        // A judge that failed on every case judged nothing: the job fails, saying why, rather
        // than ending "done" with a table of errors (the report is kept, marked failed).
        if !cancelled, let failure = try await Self.everyVerdictFailed(userID: job.userID, reportID: report.id, store: judge.store) {
            try await judge.store.finishReport(userID: job.userID, id: report.id, status: "failed", report: reportJSON.jsonString)
            throw JobFailure(failure)
        }
        try await judge.store.finishReport(userID: job.userID, id: report.id, status: cancelled ? "cancelled" : "done", report: reportJSON.jsonString)
        var final = reportJSON.objectValue ?? [:]
        final["report_id"] = .string(report.id)
        final["eval_id"] = .string(eval.id)
        try await events.emit(cancelled ? "cancelled" : "complete", .object(final))
    }

    /// "the judge failed on every case (N of N): <the first error>" when every verdict of
    /// the report is an error; nil when any verdict was given (or there were none).
    static func everyVerdictFailed(userID: String, reportID: String, store: JudgeStore) async throws -> String? {
        let verdicts = try await store.verdicts(userID: userID, reportID: reportID)
        var first: String?
        for record in verdicts {
            let verdict = try StoredJSON.value(record.verdict, row: "judge verdict \(record.id)", column: "verdict")
            guard let error = verdict["error"], !error.isNull else { return nil }
            if first == nil { first = error["message"]?.stringValue ?? error.jsonString }
        }
        guard let first else { return nil }
        let why = first.count > 160 ? String(first.prefix(160)) + "…" : first
        return "the judge failed on every case (\(verdicts.count) of \(verdicts.count)): \(why)"
    }
}

