import CoreMetrics
import HostAuth
import HostBenchmark
import HostConfig
import HostEvals
import HostJudge
import HostMeasurement
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// Runs a tool-calling eval: every target × case × repeat through the provider plugin
/// with the suite's tools, the output normalized and scored by a scorer plugin, each
/// result stored as it arrives, a summary per model.
public struct EvalJobExecutor: JobExecutor {
    public let kind = JobKind.eval
    let configuration: UserConfiguration
    let suites: SuiteStore
    let evals: EvalStore
    let jobs: JobStore
    let plugins: @Sendable () -> PluginRegistry
    let transport: Transport
    let simulatorURL: String?
    /// Inline judging and auto-judge (nil: no judging in this process).
    let judge: JudgeServices?
    /// Where an auto-judge job is submitted (nil: no auto-judge in this process).
    let queue: JobQueue?

    public init(configuration: UserConfiguration, suites: SuiteStore, evals: EvalStore, jobs: JobStore,
                plugins: @escaping @Sendable () -> PluginRegistry, transport: Transport, simulatorURL: String?,
                judge: JudgeServices? = nil, queue: JobQueue? = nil) {
        self.judge = judge
        self.queue = queue
        self.configuration = configuration
        self.suites = suites
        self.evals = evals
        self.jobs = jobs
        self.plugins = plugins
        self.transport = transport
        self.simulatorURL = simulatorURL
    }

    public func run(_ job: JobRecord, events: JobEventWriter) async throws {
        let request = EvalRequest(json: try JSONParser.parse(job.request))
        guard let suite = try await suites.find(userID: job.userID, id: request.suiteID) else { throw JobFailure("the suite no longer exists") }
        let tools = try await suites.decodedTools(userID: job.userID, suiteID: suite.id)
        let cases = try await suites.cases(userID: job.userID, suiteID: suite.id)
        let evalSuite = EvalSuite(systemPrompt: request.systemPrompt ?? suite.systemPrompt, tools: tools,
                                  cases: try cases.map { EvalSuite.Case(key: $0.caseKey, body: try $0.decodedBody()) })
        let registry = plugins()
        guard let scorerPlugin = registry.scorer(id: request.scorer) else { throw JobFailure("no scorer plugin \"\(request.scorer)\" is loaded") }
        let scorer = try scorerPlugin.makeScorer()
        let resolved = try await configuration.targets(userID: job.userID, request: request.asBenchmark, registry: registry,
                                                       simulatorURL: simulatorURL, events: events)

        let run = try await evals.createRun(userID: job.userID, suiteID: suite.id, jobID: job.id, request: job.request, scheduleID: job.scheduleID,
                                            experimentID: request.experimentID)
        try await jobs.setResult(jobID: job.id, kind: "eval_run", id: run.id)
        let total = resolved.targets.count * cases.count * request.repeats
        try await events.emit("progress", ["eval_id": .string(run.id), "done": 0, "total": .int(Int64(total))])
        let judgeSettings = try await judge?.userSettings(job.userID)
        var grading: CaseGrading? = nil
        if request.judge, let judge, let judgeSettings {
            let (client, prompts, judgeModel) = try await judge.client(userID: job.userID, settings: judgeSettings, events: events)
            let report = try await judge.store.createReport(userID: job.userID, evalRunID: run.id, mode: "inline", judgeModel: judgeModel,
                                                            promptVersion: judgeSettings.promptVersion, jobID: job.id)
            grading = CaseGrading(JudgeContext(userID: job.userID, report: report, client: client, prompts: prompts, store: judge.store,
                                               cases: try EvalJudging.bodies(cases), tools: tools, emit: { try await events.emit($0) }),
                                  concurrency: judgeSettings.concurrency)
        }
        let all: [CaseResultRecord]
        do {
            let runner = EvalRunner(transport: transport)
            all = try await runner.run(targets: resolved.targets, suite: evalSuite, request: request, scorer: scorer) { event in
                switch event {
                case .result(let result, let done, let total):
                    try await evals.addResult(userID: job.userID, runID: run.id, result)
                    Counter(label: "studio_eval_cases_total", dimensions: [("outcome", result.errorType ?? (result.passed == true ? "passed" : "failed"))])
                        .increment()
                    grading?.submit(result)
                    var json = try result.json
                    json["eval_id"] = .string(run.id)
                    try await events.emit("result", .object(json))
                    try await events.emit("progress", ["eval_id": .string(run.id), "done": .int(Int64(done)), "total": .int(Int64(total))])
                case .modelSummary(let summary):
                    try await events.emit("model_summary", summary)
                }
            }
        } catch {
            // The eval failed: its inline judging stops and its report says so.
            if let grading, let judge {
                grading.cancel()
                try? await judge.store.finishReport(userID: job.userID, id: grading.report.id, status: "failed", report: nil)
            }
            throw error
        }
        let summaries = try EvalSummary.compute(all)
        let summary: JSONValue = ["models": .array(summaries)]
        var final: JSONObject = ["eval_id": .string(run.id), "models": .array(summaries)]
        if let grading, let judge {
            // Inline judging: the last verdicts and the report cards before `complete`.
            let report = try await grading.finish(results: all)
            try await judge.store.finishReport(userID: job.userID, id: grading.report.id, status: Task.isCancelled ? "cancelled" : "done",
                                               report: report.jsonString)
            final["judge_report_id"] = .string(grading.report.id)
        }
        if Task.isCancelled {
            try await evals.finishRun(id: run.id, status: "cancelled", summary: summary.jsonString)
            try await events.emit("cancelled", .object(final))
        } else {
            try await evals.finishRun(id: run.id, status: "done", summary: summary.jsonString)
            if grading == nil, queue != nil, let settings = judgeSettings, settings.autoJudge, settings.model != nil,
               summaries.contains(where: { ($0["mean_score"]?.doubleValue ?? 0) < settings.autoJudgeThreshold }) {
                // Auto-judge: a model scored below the user's threshold; the judge job queues behind this one.
                let judgeJob = try? await queue?.submit(userID: job.userID, kind: .judge,
                                                        request: JudgeRequest(mode: "post_eval", evalID: run.id, overrides: [:]).json, queue: true)
                final["judge_job_id"] = judgeJob.map { .string($0.id) } ?? .null
            }
            try await events.emit("complete", .object(final))
        }
    }


}

