import HostBenchmark
import HostEvals
import HostMeasurement
import HostPlugins
import HostStorage
import HostTransport
import HostTuning
import StudioJSON

/// Runs a parameter tuning run (docs/tuning.md): trials of one model on one suite through
/// `TuningLoop`, each trial one eval of the suite with one configuration, stored and
/// reported as it finishes; then the best and the baseline again, case by case, for the
/// claim. A job whose request names `resume_id` continues that run after its last trial.
public struct TuningJobExecutor: JobExecutor {
    public let kind = JobKind.tune
    let configuration: UserConfiguration
    let suites: SuiteStore
    let tuning: TuningStore
    /// Where the prompt tuner saves its best prompt.
    let library: PromptLibraryStore
    let jobs: JobStore
    let plugins: @Sendable () -> PluginRegistry
    let transport: Transport
    let simulatorURL: String?

    public init(configuration: UserConfiguration, suites: SuiteStore, tuning: TuningStore, library: PromptLibraryStore, jobs: JobStore,
                plugins: @escaping @Sendable () -> PluginRegistry, transport: Transport, simulatorURL: String?) {
        self.configuration = configuration
        self.suites = suites
        self.tuning = tuning
        self.library = library
        self.jobs = jobs
        self.plugins = plugins
        self.transport = transport
        self.simulatorURL = simulatorURL
    }

    /// What a run of the suite needs, loaded once per job.
    struct Prepared {
        var request: TuneRequest
        let suiteName: String
        let suite: EvalSuite
        /// Made only for a run: an estimate never starts a scorer plugin.
        let scorer: ScorerInstance?
        /// The most calls one run of one case can make (multi-turn rounds).
        let callsPerCase: Int
    }

    public func run(_ job: JobRecord, events: JobEventWriter) async throws {
        let json = try JSONParser.parse(job.request)
        if json["writer"] != nil { return try await runPrompts(job, json: json, events: events) }  // prompt tuning
        let request: TuneRequest
        do { request = try TuneRequest(json: json) } catch { throw JobFailure("the stored request is no longer valid: \(error)") }
        let prepared = try await prepare(request, userID: job.userID)
        let userID = job.userID

        let (run, done) = try await openRun(job, json: json, kind: "parameters", suiteID: request.suiteID,
                                            experimentID: request.experimentID, request: request.json)
        let estimate = try await self.estimate(prepared, userID: userID)
        let budget = try budget(for: prepared, estimate: estimate, run: run, done: done)
        try await events.emit("tuning", ["tuning_id": .string(run.id), "trials": .int(Int64(request.trials)),
                                         "resumed_after": .int(Int64(done.count)), "estimate": estimate.json])
        try await events.emit("progress", progress(run.id, done.count, request.trials, budget))

        let loop = TuningLoop(request: request, budget: budget, cases: prepared.suite.cases.count)
        do {
            try await runTrials(loop, done: done, run: run, prepared: prepared, budget: budget, estimate: estimate, userID: userID, events: events)
        } catch {
            // The run keeps its trials and says it failed, so it can be resumed.
            try? await tuning.finishRun(userID: userID, id: run.id, status: "failed", summary: nil)
            throw error
        }
    }

    /// The trials, the confirmation and the run's end, as events and in storage.
    func runTrials(_ loop: TuningLoop, done: [Trial], run: TuningRunRecord, prepared: Prepared, budget: TuningBudget, estimate: Estimate,
                   userID: String, events: JobEventWriter) async throws {
        let request = prepared.request
        let (trials, stop) = try await loop.run(
            after: done,
            resolve: { config in try await resolve(config, prepared, userID: userID) },
            evaluate: { config, repeats in try await evaluate(config, repeats: repeats, prepared, userID: userID, budget: budget) },
            record: { trial in
                let record = try Self.record(trial)
                try await tuning.addTrial(userID: userID, runID: run.id, record)
                var event = try TuningJSON.trial(record)
                event["tuning_id"] = .string(run.id)
                try await events.emit("trial", .object(event))
                try await events.emit("progress", progress(run.id, trial.position + 1, request.trials, budget))
            })

        var summary = TuningJSON.summary(request: request, trials: trials.map { try? Self.record($0) }.compactMap { $0 },
                                         stop: stop.rawValue, spent: budget.spent, estimate: estimate.json)
        if stop != .cancelled, request.confirm, let best = TuningLoop.best(trials) {
            budget.release()
            let confirmation = await confirm(best: best, prepared, userID: userID, budget: budget)
            summary["confirmation"] = confirmation
            summary["spent"] = TuningJSON.spent(budget.spent)
            try await events.emit("confirmation", ["tuning_id": .string(run.id), "confirmation": confirmation])
        }
        let cancelled = Task.isCancelled || stop == .cancelled
        try await tuning.finishRun(userID: userID, id: run.id, status: cancelled ? "cancelled" : "done", summary: JSONValue.object(summary).jsonString)
        try await events.emit(cancelled ? "cancelled" : "complete", ["tuning_id": .string(run.id), "summary": .object(summary)])
    }

    /// A new tuning run, or the one a `resume_id` names with the trials it has, reopened under
    /// this job; either way the job's result points at it. (Parameter and prompt runs alike.)
    func openRun(_ job: JobRecord, json: JSONValue, kind: String, suiteID: String, experimentID: String?,
                 request: JSONValue) async throws -> (TuningRunRecord, [Trial]) {
        let run: TuningRunRecord
        var done: [Trial] = []
        if let resumeID = json["resume_id"]?.stringValue {
            guard let found = try await tuning.run(userID: job.userID, id: resumeID) else { throw JobFailure("the tuning run no longer exists") }
            run = found
            try await tuning.reopen(userID: job.userID, id: run.id, jobID: job.id)
            done = try await tuning.trials(userID: job.userID, runID: run.id).map { try Self.trial($0) }
        } else {
            run = try await tuning.createRun(userID: job.userID, jobID: job.id, suiteID: suiteID, experimentID: experimentID,
                                             kind: kind, request: request.jsonString)
        }
        try await jobs.setResult(jobID: job.id, kind: "tuning_run", id: run.id)
        return (run, done)
    }

    /// The run's hard budget: what a resumed run spent already, the confirmation's share held back.
    func budget(for prepared: Prepared, estimate: Estimate, run: TuningRunRecord, done: [Trial]) throws -> TuningBudget {
        let request = prepared.request
        let budget = TuningBudget(maxCalls: request.budget.maxCalls, maxCostUSD: request.budget.maxCostUSD,
                                  callsPerCase: prepared.callsPerCase, costPerCallEstimate: estimate.costPerCall)
        budget.restore(Self.spent(done, run: run))
        let confirmCases = request.confirm ? 2 * prepared.suite.cases.count * request.repeats : 0
        if confirmCases > 0, !budget.reserve(cases: confirmCases) {
            throw JobFailure("the budget cannot hold the confirmation run (\(confirmCases * prepared.callsPerCase) calls)")
        }
        return budget
    }

    // MARK: - The suite, the target, one configuration

    func prepare(_ request: TuneRequest, userID: String, scoring: Bool = true) async throws -> Prepared {
        guard let suite = try await suites.find(userID: userID, id: request.suiteID) else { throw JobFailure("the suite no longer exists") }
        let tools = try await suites.decodedTools(userID: userID, suiteID: suite.id)
        let cases = try await suites.cases(userID: userID, suiteID: suite.id)
        guard !cases.isEmpty else { throw JobFailure("the suite has no cases") }
        let bodies = try cases.map { EvalSuite.Case(key: $0.caseKey, body: try $0.decodedBody()) }
        guard let plugin = plugins().scorer(id: request.scorer) else { throw JobFailure("no scorer plugin \"\(request.scorer)\" is loaded") }
        let callsPerCase = bodies.map { $0.body["multi_turn"]?.objectValue != nil ? Int($0.body["multi_turn"]?["max_rounds"]?.intValue ?? 5) : 1 }.max() ?? 1
        return Prepared(request: request, suiteName: suite.name, suite: EvalSuite(systemPrompt: suite.systemPrompt, tools: tools, cases: bodies),
                        scorer: scoring ? try plugin.makeScorer() : nil, callsPerCase: max(1, callsPerCase))
    }

    /// The eval request one configuration makes: `tool_choice` and `system_prompt` are the
    /// eval's own settings, every other name a sampling parameter for the provider's rules.
    public static func evalRequest(_ config: JSONObject, _ tune: TuneRequest) -> EvalRequest {
        var request = EvalRequest(json: ["suite_id": .string(tune.suiteID),
                                         "targets": [["provider": .string(tune.provider), "model": .string(tune.model)]],
                                         "tool_choice": .string(tune.toolChoice), "repeat": .int(Int64(tune.repeats)),
                                         "scorer": .string(tune.scorer), "max_tokens": .int(Int64(tune.maxTokens))])
        let (params, systemPrompt, toolChoice) = Configuration.split(config)
        if let toolChoice { request.toolChoice = toolChoice }
        if let systemPrompt { request.systemPrompt = systemPrompt }
        if let temperature = params["temperature"]?.doubleValue { request.temperature = temperature }
        request.params = params
        return request
    }

    func target(_ config: JSONObject, _ prepared: Prepared, userID: String) async throws -> Result<BenchmarkTarget, FailureText> {
        let request = Self.evalRequest(config, prepared.request)
        let resolved = try await configuration.resolve(userID: userID, request: request.asBenchmark, registry: plugins(), simulatorURL: simulatorURL)
        guard let target = resolved.targets.first else {
            return .failure(FailureText(resolved.problems.joined(separator: "; ").isEmpty ? "the model is not configured" : resolved.problems.joined(separator: "; ")))
        }
        return .success(target)
    }

    struct FailureText: Error { let text: String; init(_ text: String) { self.text = text } }

    func resolve(_ config: JSONObject, _ prepared: Prepared, userID: String) async throws -> TuningLoop.Resolution {
        switch try await target(config, prepared, userID: userID) {
        case .failure(let problem): return .refused(problem.text)
        case .success(let target):
            let request = Self.evalRequest(config, prepared.request)
            // Equal requests are equal text: sorted parameters, the choice and the prompt.
            let resolved: JSONValue = ["params": .object(JSONObject(target.params.keys.sorted().map { ($0, target.params[$0]!) })),
                                       "tool_choice": .string(request.toolChoice),
                                       "system_prompt": request.systemPrompt.map(JSONValue.string) ?? .null]
            return .request(key: resolved.jsonString, resolved: resolved)
        }
    }

    func evaluate(_ config: JSONObject, repeats: ClosedRange<Int>, _ prepared: Prepared, userID: String,
                  budget: TuningBudget) async throws -> TrialOutcome {
        guard let scorer = prepared.scorer else { throw JobFailure("no scorer was prepared") }
        guard case .success(let target) = try await target(config, prepared, userID: userID) else { return TrialOutcome() }
        let request = Self.evalRequest(config, prepared.request)
        let suite = EvalSuite(systemPrompt: request.systemPrompt ?? prepared.suite.systemPrompt, tools: prepared.suite.tools,
                              cases: prepared.suite.cases)
        var outcome = TrialOutcome()
        _ = try await EvalRunner(transport: transport).run(
            targets: [target], suite: suite, request: request, scorer: scorer, repeats: repeats,
            beforeCase: { try budget.beforeCase() }) { event in
            guard case .result(let result, _, _) = event else { return }
            let calls = Self.calls(result)
            budget.charge(calls: calls, costUSD: result.costUSD)
            outcome.add(caseID: result.caseKey, score: result.score ?? 0, costUSD: result.costUSD, latencyMs: result.latencyMs,
                        calls: calls, error: Self.failed(result))
        }
        return outcome
    }

    /// A case that could not be scored: the provider call failed (no scorer result), or the
    /// scorer did (crash, deadline, quarantine, its own error). A wrong answer is not one.
    static func failed(_ result: CaseResultRecord) -> Bool {
        result.subscores == nil || result.errorType == "scorer_error" || result.errorType?.hasPrefix("plugin_") == true
    }

    /// Calls one case result made: its rounds, and the retry when `required` was refused.
    static func calls(_ result: CaseResultRecord) -> Int {
        let output = try? result.decodedOutput()
        let rounds = Int(output?["rounds"]?.intValue ?? 1)
        return max(1, rounds) + (output?["tool_choice_fallback"]?.boolValue == true ? 1 : 0)
    }

    /// The best and the baseline, each run afresh with every repeat, compared case by case.
    func confirm(best: Trial, _ prepared: Prepared, userID: String, budget: TuningBudget) async -> JSONValue {
        let request = prepared.request
        do {
            guard case .success = try await target(request.baseline, prepared, userID: userID) else {
                return ["skipped": "the provider's rules refuse the baseline configuration"]
            }
            let all = 1...request.repeats
            let baseline = try await evaluate(request.baseline, repeats: all, prepared, userID: userID, budget: budget)
            let candidate = try await evaluate(best.config, repeats: all, prepared, userID: userID, budget: budget)
            return TuningJSON.confirmation(best: best.position, config: best.config, baseline: baseline, candidate: candidate, seed: request.seed)
        } catch is TuningBudget.Exhausted {
            return ["skipped": "the budget ran out during the confirmation"]
        } catch {
            return ["skipped": .string("the confirmation failed: \(error)")]
        }
    }

    // MARK: - Estimate, progress, records

    /// What a request would take, before it is queued (the API's estimate, and its budget
    /// checks): the suite as it is now, the model's prices.
    public func preview(_ request: TuneRequest, userID: String) async throws -> JSONValue {
        try await estimate(try await prepare(request, userID: userID, scoring: false), userID: userID).json
    }

    struct Estimate {
        let costPerCall: Double?
        let json: JSONValue
    }

    /// Before the first trial: the calls and money a run can take, at worst and typically
    /// (a third of the trials promoted), by the model's prices and a prompt-size estimate.
    func estimate(_ prepared: Prepared, userID: String) async throws -> Estimate {
        let request = prepared.request
        var costPerCall: Double? = nil
        if case .success(let target) = try await target(request.baseline, prepared, userID: userID) {
            let tools = JSONValue.array(prepared.suite.tools).jsonString.utf8.count
            let longest = prepared.suite.cases.map { $0.body.jsonString.utf8.count }.max() ?? 0
            let promptTokens = (prepared.suite.systemPrompt.utf8.count + tools + longest) / 4 + 16  // about 4 bytes a token
            costPerCall = RunMetrics.cost(input: promptTokens, output: request.maxTokens, prices: target.prices)
        }
        let json = TuningJSON.estimate(request: request, cases: prepared.suite.cases.count, callsPerCase: prepared.callsPerCase,
                                       costPerCall: costPerCall)
        return Estimate(costPerCall: costPerCall, json: json)
    }

    /// What a resumed run has spent: its trials', or what its summary says when more (the
    /// calls of a trial cut short by a cancel count against the budget too).
    static func spent(_ done: [Trial], run: TuningRunRecord) -> TuningBudget.Spent {
        var spent = TuningBudget.Spent(calls: done.map(\.outcome.calls).reduce(0, +),
                                       costUSD: done.reduce(Double?(0)) { sum, t in sum.flatMap { s in t.outcome.costUSD.map { s + $0 } } })
        if let said = try? run.summary.map({ try JSONParser.parse($0) })?["spent"], let calls = said["calls"]?.intValue, Int(calls) > spent.calls {
            spent.calls = Int(calls)
            spent.costUSD = said["cost_usd"]?.doubleValue.map { max($0, spent.costUSD ?? 0) } ?? nil
        }
        return spent
    }

    func progress(_ runID: String, _ done: Int, _ total: Int, _ budget: TuningBudget) -> JSONValue {
        let spent = budget.spent
        return ["tuning_id": .string(runID), "done": .int(Int64(done)), "total": .int(Int64(total)),
                "calls": .int(Int64(spent.calls)), "cost_usd": spent.costUSD.map(JSONValue.double) ?? .null]
    }

    static func record(_ trial: Trial) throws -> TuningTrialRecord {
        TuningTrialRecord(position: trial.position, config: JSONValue.object(trial.config).jsonString, resolved: trial.resolved.jsonString,
                          repeats: trial.repeats, score: trial.score, costUSD: trial.outcome.costUSD, latencyMs: trial.outcome.latencyMs,
                          calls: trial.outcome.calls, errors: trial.outcome.errors,
                          caseScores: JSONValue.object(JSONObject(trial.outcome.caseScores.sorted { $0.key < $1.key }
                              .map { ($0.key, .array($0.value.map(JSONValue.double))) })).jsonString,
                          note: trial.note)
    }

    /// A stored trial as the loop needs it to resume.
    static func trial(_ record: TuningTrialRecord) throws -> Trial {
        var outcome = TrialOutcome()
        let scores = try JSONParser.parse(record.caseScores).objectValue ?? [:]
        for name in scores.keys { outcome.caseScores[name] = scores[name]?.arrayValue?.compactMap { $0.doubleValue } ?? [] }
        outcome.costUSD = record.costUSD
        if let latency = record.latencyMs { outcome.latencyTotalMs = latency; outcome.latencyCount = 1 }
        outcome.calls = record.calls
        outcome.errors = record.errors
        let resolved = try JSONParser.parse(record.resolved)
        return Trial(position: record.position, config: try JSONParser.parse(record.config).objectValue ?? [:],
                     resolvedKey: resolved == .null ? "" : resolved.jsonString, resolved: resolved, repeats: record.repeats,
                     outcome: outcome, note: record.note)
    }
}
