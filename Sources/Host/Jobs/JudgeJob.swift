import HostBenchmark
import HostEvals
import HostJudge
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// A judge job's request (docs/evals.md, LLM-as-judge): grade one eval (`post_eval`), or
/// compare two evals of the same suite case by case (`compare`). The judge model,
/// prompt version and concurrency come from the user's judge settings unless given.
public struct JudgeRequest: Sendable {
    public var mode: String
    public var evalID: String
    public var evalB: String?
    public var provider: String?
    public var model: String?
    public var promptVersion: String?
    public var concurrency: Int?

    static let overrides: JSONObject = [
        "provider": ["type": "string", "minLength": 1, "maxLength": 64],
        "model": ["type": "string", "minLength": 1, "maxLength": 200],
        "prompt_version": ["type": "string", "minLength": 1, "maxLength": 32],
        "concurrency": ["type": "integer", "minimum": 1, "maximum": 20],
        "queue": ["type": "boolean"],
    ]
    /// `POST /api/evals/{id}/judge`.
    public static let postEvalSchema: JSONValue = ["type": "object", "additionalProperties": false, "properties": .object(overrides)]
    public static let postEvalExample: JSONValue = ["prompt_version": "v2", "concurrency": 4]
    /// `POST /api/evals/compare`.
    public static var compareSchema: JSONValue {
        var properties = overrides
        properties["eval_a"] = ["type": "string", "minLength": 1, "maxLength": 64]
        properties["eval_b"] = ["type": "string", "minLength": 1, "maxLength": 64]
        return ["type": "object", "additionalProperties": false, "required": ["eval_a", "eval_b"], "properties": .object(properties)]
    }
    public static let compareExample: JSONValue = ["eval_a": "0123456789abcdef0123456789abcdef", "eval_b": "fedcba9876543210fedcba9876543210",
                                                   "prompt_version": "v1"]

    public init(mode: String, evalID: String, evalB: String? = nil, overrides body: JSONValue) {
        self.mode = mode
        self.evalID = evalID
        self.evalB = evalB
        provider = body["provider"]?.stringValue
        model = body["model"]?.stringValue
        promptVersion = body["prompt_version"]?.stringValue
        concurrency = body["concurrency"]?.intValue.map(Int.init)
    }

    public init(json: JSONValue) {
        self.init(mode: json["mode"]?.stringValue ?? "post_eval", evalID: json["eval_id"]?.stringValue ?? "",
                  evalB: json["eval_b"]?.stringValue, overrides: json)
    }

    public var json: JSONValue {
        var o: JSONObject = ["mode": .string(mode), "eval_id": .string(evalID)]
        if let evalB { o["eval_b"] = .string(evalB) }
        if let provider { o["provider"] = .string(provider) }
        if let model { o["model"] = .string(model) }
        if let promptVersion { o["prompt_version"] = .string(promptVersion) }
        if let concurrency { o["concurrency"] = .int(Int64(concurrency)) }
        return .object(o)
    }

    /// The user's settings with this request's overrides.
    public func settings(_ stored: JudgeSettings) -> JudgeSettings {
        var settings = stored
        if let provider, let model { (settings.provider, settings.model) = (provider, model) }
        if let promptVersion { settings.promptVersion = promptVersion }
        if let concurrency { settings.concurrency = concurrency }
        return settings
    }
}

/// Where judging gets its pieces: the user's settings, their configured judge model with
/// their key, the shipped prompts. Shared by judge jobs and inline judging in eval jobs.
public struct JudgeServices: Sendable {
    let configuration: UserConfiguration
    let settings: UserSettingsStore
    public let store: JudgeStore
    public let prompts: JudgePrompts?
    let plugins: @Sendable () -> PluginRegistry
    let transport: Transport
    let simulatorURL: String?
    /// Seconds before a judge call's first retry (tests shorten it).
    let retryDelay: Double

    public init(configuration: UserConfiguration, settings: UserSettingsStore, store: JudgeStore, prompts: JudgePrompts?,
                plugins: @escaping @Sendable () -> PluginRegistry, transport: Transport, simulatorURL: String?, retryDelay: Double = 0.5) {
        self.configuration = configuration
        self.settings = settings
        self.store = store
        self.prompts = prompts
        self.plugins = plugins
        self.transport = transport
        self.simulatorURL = simulatorURL
        self.retryDelay = retryDelay
    }

    public func userSettings(_ userID: String) async throws -> JudgeSettings {
        let stored = try await settings.get(userID: userID, key: JudgeSettings.storageKey).flatMap { try? JSONParser.parse($0) }
        return JudgeSettings(stored: stored, defaultVersion: prompts?.latest ?? "v1")
    }

    /// Why these settings cannot judge (the field at fault and what is wrong), or nil.
    /// `requireModel` false: a settings document may leave the model unset.
    public func problem(userID: String, settings: JudgeSettings, requireModel: Bool = true) async throws -> (field: String, message: String)? {
        guard let prompts else { return ("prompt_version", "the judge prompts are missing from this installation") }
        guard prompts.versions.contains(settings.promptVersion) else {
            return ("prompt_version", "no prompt version \"\(settings.promptVersion)\" (there are \(prompts.versions.joined(separator: ", ")))")
        }
        guard (settings.provider == nil) == (settings.model == nil) else { return ("model", "give both provider and model, or neither") }
        guard let provider = settings.provider, let model = settings.model else {
            return requireModel ? ("model", "no judge model: choose one with PUT /api/settings/judge") : nil
        }
        if let (_, reason) = try await configuration.missingTargets(userID: userID, request: .single(provider: provider, model: model)) {
            return ("model", reason)
        }
        return nil
    }

    /// A client for the settings' judge model, with the user's key; the settings are
    /// checked by the same rule as the routes that queued the job (they may have changed since).
    func client(userID: String, settings: JudgeSettings, events: JobEventWriter) async throws -> (JudgeClient, JudgePrompts, String) {
        if let (field, message) = try await problem(userID: userID, settings: settings) { throw JobFailure("\(field): \(message)") }
        guard let prompts, let provider = settings.provider, let model = settings.model else { throw JobFailure("no judge model") }
        let resolved = try await configuration.targets(userID: userID, request: .single(provider: provider, model: model), registry: plugins(),
                                                       simulatorURL: simulatorURL, events: events)
        var client = JudgeClient(endpoint: resolved.targets[0].endpoint, model: model, transport: transport)
        client.baseDelay = retryDelay
        return (client, prompts, "\(provider)/\(model)")
    }
}

/// What one judge run works with: whose it is, its report row, the judge, the prompts,
/// where verdicts go, and the suite's cases and tools the results are judged against.
struct JudgeContext: Sendable {
    let userID: String
    let report: JudgeReportRecord
    let client: JudgeClient
    let prompts: JudgePrompts
    let store: JudgeStore
    let events: JobEventWriter
    /// Case bodies by key, and the suite's tools (a case's own tools win).
    let cases: [String: JSONValue]
    let tools: [JSONValue]

    /// A case as the judge sees it (without its tools), and the tools it offered.
    func caseData(_ key: String) -> (JSONValue, JSONValue) {
        let body = cases[key] ?? [:]
        var data = body.objectValue ?? [:]
        data["tools"] = nil
        data["id"] = .string(key)
        return (.object(data), .array(body["tools"]?.arrayValue ?? tools))
    }

    /// The judge's answer to one rendered prompt, as text.
    func ask(_ task: JudgeTask, _ values: [String: JSONValue]) async throws(JudgeError) -> String {
        let prompt: JudgePrompt
        do { prompt = try prompts.render(task, version: report.promptVersion, values: values) } catch { throw JudgeError("prompt", "\(error)") }
        return try await client.ask(prompt, task: task).get()
    }

    /// Runs `body` on each item as it arrives, at most `limit` at once (the judge
    /// concurrency setting), until the items end or the task is cancelled; the results
    /// come back in completion order.
    static func concurrently<Item: Sendable, Result: Sendable>(_ items: AsyncStream<Item>, limit: Int,
                                                               _ body: @escaping @Sendable (Item) async -> Result) async -> [Result] {
        await withTaskGroup(of: Result.self) { group in
            var results: [Result] = []
            var inFlight = 0
            for await item in items {
                if Task.isCancelled { break }
                if inFlight >= limit, let done = await group.next() {
                    results.append(done)
                    inFlight -= 1
                }
                group.addTask { await body(item) }
                inFlight += 1
            }
            for await done in group { results.append(done) }
            return results
        }
    }

    /// Stores a verdict (or judge error) and sends it as `judge_verdict`.
    func record(_ verdict: JSONObject, caseResultID: String?, caseKey: String, target: String) async {
        try? await store.addVerdict(userID: userID, reportID: report.id, caseResultID: caseResultID, caseKey: caseKey,
                                    target: target, verdict: JSONValue.object(verdict).jsonString)
        var event = verdict
        event["report_id"] = .string(report.id)
        event["eval_id"] = report.evalRunID.map(JSONValue.string) ?? .null
        _ = try? await events.emit("judge_verdict", .object(event))
    }
}

/// One grading of case results into one judge report: each result's verdict (or judge
/// error) stored and sent as `judge_verdict` as it comes, then a report card per model
/// sent as `judge_report`. Results may arrive all at once (post-eval) or one by one
/// while the eval runs (inline); at most `concurrency` judge calls are in flight.
final class CaseGrading: Sendable {
    let context: JudgeContext
    var report: JudgeReportRecord { context.report }
    private let queue: AsyncStream<CaseResultRecord>.Continuation
    private let work: Task<[String: JSONValue], Never>

    init(_ context: JudgeContext, concurrency: Int) {
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
    func submit(_ result: CaseResultRecord) { queue.yield(result) }

    /// Stops grading: nothing more is taken, calls in flight are aborted.
    func cancel() {
        queue.finish()
        work.cancel()
    }

    /// Waits for every submitted result's verdict, then writes the per-model reports.
    /// Returns the report JSON that is stored.
    func finish(results: [CaseResultRecord]) async throws -> JSONValue {
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
            try await context.events.emit("judge_report", .object(event))
        }
        let errors = verdicts.values.filter { $0["error"] != nil }.count
        return ["models": .array(models), "verdicts": .int(Int64(verdicts.count - errors)), "judge_errors": .int(Int64(errors))]
    }

    /// One result's verdict, stored and emitted; a judge error is a verdict too.
    @Sendable static func grade(_ c: JudgeContext, _ result: CaseResultRecord) async -> JSONValue {
        let (caseData, tools) = c.caseData(result.caseKey)
        let output = (try? JSONParser.parse(result.output)) ?? .string(result.output)
        let automatic: JSONValue = ["score": result.score.map(JSONValue.double) ?? .null, "passed": result.passed.map(JSONValue.bool) ?? .null,
                                    "error_type": result.errorType.map(JSONValue.string) ?? .null]
        var stored: JSONObject = ["case_id": .string(result.caseKey), "target": .string(result.target),
                                  "repeat": .int(Int64(result.repeatIndex)), "case_result_id": .string(result.id), "automatic_score": automatic]
        do throws(JudgeError) {
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
        let summary = EvalSummary.compute(results).first ?? [:]
        let model: JSONValue = ["target": .string(target), "mean_score": summary["mean_score"] ?? .null,
                                "pass_rate": summary["pass_rate"] ?? .null, "errors": summary["errors"] ?? [:]]
        let list: [JSONValue] = graded.map {
            ["case_id": $0["case_id"] ?? .null, "repeat": $0["repeat"] ?? .null, "quality": $0["quality"] ?? .null,
             "verdict": $0["verdict"] ?? .null, "reasoning": .string(String(($0["reasoning"]?.stringValue ?? "").prefix(400)))]
        }
        do throws(JudgeError) {
            let text = try await context.ask(.modelReport, ["model": model, "verdicts": .array(list)])
            for (key, value) in try JudgeOutput.report(text).json.objectValue ?? [:] { card[key] = value }
        } catch {
            card["error"] = error.json
        }
        return .object(card)
    }
}

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
                                       events: events, cases: cases, tools: tools)
            let comparison = PairwiseComparison(context: context, concurrency: settings.concurrency)
            reportJSON = try await comparison.run(a: results, b: try await evals.results(userID: job.userID, runID: other.id))
        } else {
            try await events.emit("progress", ["report_id": .string(report.id), "eval_id": .string(eval.id), "done": 0,
                                               "total": .int(Int64(results.count))])
            let grading = CaseGrading(JudgeContext(userID: job.userID, report: report, client: client, prompts: prompts, store: judge.store,
                                                   events: events, cases: cases, tools: tools), concurrency: settings.concurrency)
            for result in results { grading.submit(result) }
            reportJSON = try await grading.finish(results: results)
        }
        let cancelled = Task.isCancelled
        try await judge.store.finishReport(userID: job.userID, id: report.id, status: cancelled ? "cancelled" : "done", report: reportJSON.jsonString)
        var final = reportJSON.objectValue ?? [:]
        final["report_id"] = .string(report.id)
        final["eval_id"] = .string(eval.id)
        try await events.emit(cancelled ? "cancelled" : "complete", .object(final))
    }
}

/// Case bodies and suite tools an eval's results are judged against.
enum EvalJudging {
    static func caseBodies(userID: String, suiteID: String?, suites: SuiteStore) async throws -> ([String: JSONValue], [JSONValue]) {
        guard let suiteID, try await suites.find(userID: userID, id: suiteID) != nil else { return ([:], []) }
        let tools = try await suites.tools(userID: userID, suiteID: suiteID).compactMap { try? JSONParser.parse($0) }
        return (bodies(try await suites.cases(userID: userID, suiteID: suiteID)), tools)
    }

    /// Each case's body, parsed, by case key.
    static func bodies(_ cases: [CaseRecord]) -> [String: JSONValue] {
        var bodies: [String: JSONValue] = [:]
        for c in cases { bodies[c.caseKey] = (try? JSONParser.parse(c.body)) ?? [:] }
        return bodies
    }
}

/// Pairwise comparison of two evals: every (case, model) present in both is judged twice,
/// A shown first and then B shown first; PairwiseRule decides; repeats are paired by index.
struct PairwiseComparison {
    let context: JudgeContext
    let concurrency: Int

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

    func run(a: [CaseResultRecord], b: [CaseResultRecord]) async throws -> JSONValue {
        let pairs = Self.pairs(a: a, b: b)
        let report = context.report
        try await context.events.emit("progress", ["report_id": .string(report.id), "done": 0, "total": .int(Int64(pairs.count))])
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
        try await context.events.emit("judge_report", .object(event))
        return .object(summary)
    }

    func judgePair(_ ra: CaseResultRecord, _ rb: CaseResultRecord) async -> JSONValue {
        let (caseData, tools) = context.caseData(ra.caseKey)
        func response(_ r: CaseResultRecord) -> JSONValue {
            ["output": (try? JSONParser.parse(r.output)) ?? .string(r.output), "automatic_score": r.score.map(JSONValue.double) ?? .null]
        }
        var stored: JSONObject = ["case_id": .string(ra.caseKey), "repeat": .int(Int64(ra.repeatIndex)), "target_a": .string(ra.target),
                                  "target_b": .string(rb.target), "case_result_a": .string(ra.id), "case_result_b": .string(rb.id),
                                  "score_a": ra.score.map(JSONValue.double) ?? .null, "score_b": rb.score.map(JSONValue.double) ?? .null]
        do throws(JudgeError) {
            // Run A shown first, then run B shown first.
            let aFirst = try JudgeOutput.pairwise(try await context.ask(.pairwise, ["case": caseData, "tools": tools,
                                                                                    "response_a": response(ra), "response_b": response(rb)]))
            let bFirst = try JudgeOutput.pairwise(try await context.ask(.pairwise, ["case": caseData, "tools": tools,
                                                                                    "response_a": response(rb), "response_b": response(ra)]))
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

/// The override policy (docs/evals.md): a verdict's override score is always stored and shown;
/// with policy `apply` it replaces the automatic score (passed = override ≥ 1) in the
/// results and in the summaries computed from them.
public enum JudgeOverrides {
    /// The results with overrides applied, and each changed result's automatic score.
    public static func apply(_ results: [CaseResultRecord], verdicts: [String: JudgeVerdictRecord],
                             policy: String) -> ([CaseResultRecord], [String: Double]) {
        guard policy == "apply" else { return (results, [:]) }
        var original: [String: Double] = [:]
        let changed = results.map { result -> CaseResultRecord in
            guard let text = verdicts[result.id]?.verdict, let verdict = try? JSONParser.parse(text),
                  verdict["error"] == nil, let override = verdict["override_score"]?.doubleValue else { return result }
            var result = result
            original[result.id] = result.score ?? 0
            result.score = override
            result.passed = override >= 1
            return result
        }
        return (changed, original)
    }
}
