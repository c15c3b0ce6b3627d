import HostAuth
import HostBenchmark
import HostConfig
import HostJudge
import HostMeasurement
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// A tool-calling eval request (docs/evals.md): a suite of the caller's, targets, how to offer
/// the tools, and how many times to repeat each case (pass@k / pass^k).
public struct EvalRequest: Sendable {
    public var suiteID: String
    public var targets: [BenchmarkRequest.Target]
    public var toolChoice: String
    public var repeats: Int
    public var scorer: String
    public var maxTokens: Int
    public var temperature: Double
    /// Judge each result as it arrives (live inline judging) with the user's judge settings.
    public var judge: Bool

    public static let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["suite_id", "targets"],
        "properties": [
            "suite_id": ["type": "string", "minLength": 1, "maxLength": 64],
            // {provider, model} as in benchmarks, or docs/evals.md's {provider_id, model_id}.
            "targets": ["type": "array", "minItems": 1, "maxItems": 20, "items": [
                "type": "object", "additionalProperties": false,
                "anyOf": [["required": ["provider", "model"]], ["required": ["provider_id", "model_id"]]],
                "properties": ["provider": ["type": "string", "minLength": 1, "maxLength": 64],
                               "model": ["type": "string", "minLength": 1, "maxLength": 200],
                               "provider_id": ["type": "string", "minLength": 1, "maxLength": 64],
                               "model_id": ["type": "string", "minLength": 1, "maxLength": 200]]]],
            "tool_choice": ["enum": ["auto", "required", "none"]],
            "repeat": ["type": "integer", "minimum": 1, "maximum": 10],
            "scorer": ["type": "string", "minLength": 1, "maxLength": 64],
            "max_tokens": ["type": "integer", "minimum": 1, "maximum": 100_000],
            "temperature": ["type": "number", "minimum": 0, "maximum": 100],
            "judge": ["type": "boolean"],
            "queue": ["type": "boolean"],
        ],
    ]
    public static let example: JSONValue = ["suite_id": "0123456789abcdef0123456789abcdef",
                                            "targets": [["provider": "sim-openai", "model": "sim-ttft20-gap2-toolscall"]],
                                            "tool_choice": "auto", "repeat": 1, "scorer": "toolcall", "max_tokens": 256,
                                            "temperature": 0, "judge": false, "queue": false]

    public init(json: JSONValue) {
        suiteID = json["suite_id"]?.stringValue ?? ""
        targets = (json["targets"]?.arrayValue ?? []).map {
            BenchmarkRequest.Target(provider: ($0["provider"] ?? $0["provider_id"])?.stringValue ?? "",
                                    model: ($0["model"] ?? $0["model_id"])?.stringValue ?? "")
        }
        toolChoice = json["tool_choice"]?.stringValue ?? "auto"
        repeats = json["repeat"]?.intValue.map(Int.init) ?? 1
        scorer = json["scorer"]?.stringValue ?? "toolcall"
        maxTokens = json["max_tokens"]?.intValue.map(Int.init) ?? 512
        temperature = json["temperature"]?.doubleValue ?? 0
        judge = json["judge"]?.boolValue ?? false
    }

    public var json: JSONValue {
        ["suite_id": .string(suiteID), "targets": .array(targets.map { ["provider": .string($0.provider), "model": .string($0.model)] }),
         "tool_choice": .string(toolChoice), "repeat": .int(Int64(repeats)), "scorer": .string(scorer),
         "max_tokens": .int(Int64(maxTokens)), "temperature": .double(temperature), "judge": .bool(judge)]
    }

    /// The same targets as a benchmark request (to resolve them the same way).
    public var asBenchmark: BenchmarkRequest {
        var request = BenchmarkRequest(json: ["targets": .array(targets.map { ["provider": .string($0.provider), "model": .string($0.model)] })])
        request.maxTokens = maxTokens
        request.temperature = temperature
        return request
    }
}

/// Per-model summaries of an eval, computed by one function for live and stored results
/// (docs/evals.md): mean score, pass rate, pass@k (a case passes at least once in k tries),
/// pass^k (it passes every time), mean latency, and the error taxonomy.
public enum EvalSummary {
    public static func compute(_ results: [CaseResultRecord]) -> [JSONValue] {
        var order: [String] = []
        for r in results where !order.contains(r.target) { order.append(r.target) }
        return order.map { target in
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
            func part(_ name: String) -> JSONValue {
                let values = rows.compactMap { r in r.subscores.flatMap { try? JSONParser.parse($0) }?["subscores"]?[name]?.doubleValue }
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
                "errors": .object(JSONObject(errors.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
            ]
        }
    }
}

/// Runs a tool-calling eval: every target × case × repeat through the provider plugin
/// with the suite's tools, the output normalized and scored by a scorer plugin, each
/// result stored as it arrives, a summary per model.
public struct EvalJobExecutor: JobExecutor {
    public let kind = "eval"
    let configuration: UserConfiguration
    let suites: SuiteStore
    let evals: EvalStore
    let jobs: JobStore
    let plugins: @Sendable () -> PluginRegistry
    let transport: Transport
    let simulatorURL: String?
    /// Inline judging and auto-judge (nil: no judging in this process).
    let judge: JudgeServices?
    /// Limits an auto-judge job is submitted under.
    let limits: JobStore.Limits

    public init(configuration: UserConfiguration, suites: SuiteStore, evals: EvalStore, jobs: JobStore,
                plugins: @escaping @Sendable () -> PluginRegistry, transport: Transport, simulatorURL: String?,
                judge: JudgeServices? = nil, limits: JobStore.Limits = JobStore.Limits()) {
        self.judge = judge
        self.limits = limits
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
        let tools = try await suites.tools(userID: job.userID, suiteID: suite.id).compactMap { try? JSONParser.parse($0) }
        let cases = try await suites.cases(userID: job.userID, suiteID: suite.id)
        let registry = plugins()
        guard let scorerPlugin = registry.scorer(id: request.scorer) else { throw JobFailure("no scorer plugin \"\(request.scorer)\" is loaded") }
        let scorer = try scorerPlugin.makeScorer()
        let resolved = try await configuration.targets(userID: job.userID, request: request.asBenchmark, registry: registry,
                                                       simulatorURL: simulatorURL, events: events)

        let run = try await evals.createRun(userID: job.userID, suiteID: suite.id, jobID: job.id, request: job.request, scheduleID: job.scheduleID)
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
                                               events: events, cases: EvalJudging.bodies(cases), tools: tools),
                                  concurrency: judgeSettings.concurrency)
        }
        var done = 0
        var all: [CaseResultRecord] = []
        do {
            for target in resolved.targets {
                var mine: [CaseResultRecord] = []
                for testCase in cases {
                    let body = (try? JSONParser.parse(testCase.body)) ?? [:]
                    for repeatIndex in 1...request.repeats {
                        if Task.isCancelled { break }
                        let result = await EvalCaseRunner(transport: transport).runCase(
                            target: target, systemPrompt: suite.systemPrompt, tools: tools, caseKey: testCase.caseKey, body: body,
                            request: request, repeatIndex: repeatIndex, scorer: scorer)
                        try await evals.addResult(userID: job.userID, runID: run.id, result)
                        grading?.submit(result)
                        mine.append(result)
                        done += 1
                        var json = Self.resultJSON(result)
                        json["eval_id"] = .string(run.id)
                        try await events.emit("result", .object(json))
                        try await events.emit("progress", ["eval_id": .string(run.id), "done": .int(Int64(done)), "total": .int(Int64(total))])
                    }
                }
                all += mine
                if let summary = EvalSummary.compute(mine).first { try await events.emit("model_summary", summary) }
            }
        } catch {
            // The eval failed: its inline judging stops and its report says so.
            if let grading, let judge {
                grading.cancel()
                try? await judge.store.finishReport(userID: job.userID, id: grading.report.id, status: "failed", report: nil)
            }
            throw error
        }
        let summaries = EvalSummary.compute(all)
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
            if grading == nil, let settings = judgeSettings, settings.autoJudge, settings.model != nil,
               summaries.contains(where: { ($0["mean_score"]?.doubleValue ?? 0) < settings.autoJudgeThreshold }) {
                // Auto-judge: a model scored below the user's threshold; the judge job queues behind this one.
                let judgeJob = try? await jobs.submit(userID: job.userID, kind: "judge",
                                                      request: JudgeRequest(mode: "post_eval", evalID: run.id, overrides: [:]).json.jsonString,
                                                      queue: true, defaults: limits)
                final["judge_job_id"] = judgeJob.map { .string($0.id) } ?? .null
            }
            try await events.emit("complete", .object(final))
        }
    }

    public static func resultJSON(_ r: CaseResultRecord) -> JSONObject {
        ["case_id": .string(r.caseKey), "target": .string(r.target), "repeat": .int(Int64(r.repeatIndex)),
         "score": r.score.map(JSONValue.double) ?? .null, "passed": r.passed.map(JSONValue.bool) ?? .null,
         "error_type": r.errorType.map(JSONValue.string) ?? .null, "latency_ms": r.latencyMs.map(JSONValue.double) ?? .null,
         "category": r.category.map(JSONValue.string) ?? .null,
         "output": (try? JSONParser.parse(r.output)) ?? .null]
    }
}

/// One case, once: the provider call with the suite's tools, the normalized output, the
/// scorer's verdict. Shared by eval jobs and `studio eval`.
public struct EvalCaseRunner: Sendable {
    public let transport: Transport

    public init(transport: Transport) { self.transport = transport }

    /// One case once: the call, the normalized output, the score.
    public func runCase(target: BenchmarkTarget, systemPrompt: String, tools: [JSONValue], caseKey: String, body: JSONValue,
                        request: EvalRequest, repeatIndex: Int, scorer: ScorerInstance) async -> CaseResultRecord {
        var messages: [JSONValue] = []
        if !systemPrompt.isEmpty { messages.append(["role": "system", "content": .string(systemPrompt)]) }
        if let turn = body["question"]?.arrayValue?.first?.arrayValue, !turn.isEmpty {
            messages += turn  // a case given as messages (BFCL's first turn)
        } else {
            messages.append(["role": "user", "content": body["prompt"] ?? ""])
        }
        // The case's own tools when it has them (BFCL cases do), else the suite's. Names
        // providers refuse (`spotify.play`) are sent as `spotify_play` and mapped back.
        let (offered, sentToSuite) = Self.providerSafe(body["tools"]?.arrayValue ?? tools)
        func chat(_ choice: String) -> JSONValue {
            var params = target.params
            params["max_tokens"] = .int(Int64(request.maxTokens))
            return ["model": .string(target.model), "stream": true, "messages": .array(messages), "tools": .array(offered),
                    "tool_choice": .string(choice), "params": .object(params)]
        }
        // Multi-turn cases (docs/evals.md): mock results are fed back each round until the model
        // stops calling tools or max_rounds is reached; single-turn cases are one round.
        let multiTurn = body["multi_turn"]?.objectValue != nil ? body["multi_turn"] : nil
        let maxRounds = multiTurn.map { Int($0["max_rounds"]?.intValue ?? 5) } ?? 1
        var choice = request.toolChoice
        var fellBack = false
        var allCalls: [AssembledToolCall] = []
        var record = await ProviderCall.stream(chat(choice), to: target.endpoint, transport: transport)
        var first = true
        var rounds = 0
        var latency: Double? = 0
        while rounds < maxRounds {
            if !first { record = await ProviderCall.stream(chat(choice), to: target.endpoint, transport: transport) }
            first = false
            // A provider that refuses tool_choice "required" gets one retry with "auto" (recorded).
            if choice == "required", !fellBack, let failure = record.failure, failure.errorClass.description == "http_400" {
                choice = "auto"
                fellBack = true
                record = await ProviderCall.stream(chat(choice), to: target.endpoint, transport: transport)
            }
            rounds += 1
            latency = record.endAt >= record.t0 ? (latency ?? 0) + Double(record.endAt - record.t0) / 1e6 : latency
            if record.failure != nil || record.toolCalls.isEmpty { break }
            allCalls += record.toolCalls
            guard let multiTurn else { break }
            messages.append(["role": "assistant", "content": record.text.isEmpty ? .null : .string(record.text),
                             "tool_calls": .array(record.toolCalls.map { call -> JSONValue in
                                 ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
                             })])
            for call in record.toolCalls {
                let mock = multiTurn["mock_results"]?[call.name] ?? ["ok": true]
                messages.append(["role": "tool", "tool_call_id": .string(call.id), "content": .string(mock.stringValue ?? mock.jsonString)])
            }
        }
        record.toolCalls = allCalls.map { call in
            var call = call
            call.name = sentToSuite[call.name] ?? call.name
            return call
        }
        var output = Self.normalizedOutput(record)
        if fellBack { output["tool_choice_fallback"] = true }
        if multiTurn != nil { output["rounds"] = .int(Int64(rounds)) }
        let category = body["category"]?.stringValue
        let expectsCall = body["should_call_tool"]?.boolValue ?? !(body["expected_calls"]?.arrayValue?.isEmpty ?? true)
        if let failure = record.failure {
            return CaseResultRecord(caseKey: caseKey, target: target.id, repeatIndex: repeatIndex, output: JSONValue.object(output).jsonString,
                                    score: 0, passed: false, subscores: nil, errorType: failure.errorClass.description, latencyMs: latency,
                                    category: category, expectsCall: expectsCall)
        }
        var scoredCase = body
        if var object = scoredCase.objectValue {
            if object["tools"] == nil { object["tools"] = .array(tools) }  // a case's own tools win
            object["id"] = .string(caseKey)
            scoredCase = .object(object)
        }
        do {
            let result = try await scorer.scoreDetached(case: scoredCase, output: .object(output))
            return CaseResultRecord(caseKey: caseKey, target: target.id, repeatIndex: repeatIndex, output: JSONValue.object(output).jsonString,
                                    score: result["score"]?.doubleValue, passed: result["passed"]?.boolValue, subscores: result.jsonString,
                                    errorType: result["error_type"]?.stringValue, latencyMs: latency, category: category, expectsCall: expectsCall)
        } catch {
            // The case records what went wrong with its scorer: a crash (with the signal), a
            // missed deadline, a quarantine or a cancel by name, else scorer_error; the
            // plugin's message, already bounded, under "error".
            let named = [PluginCallError.crashed, PluginCallError.timedOut, PluginCallError.cancelled, PluginCallError.quarantined]
            return CaseResultRecord(caseKey: caseKey, target: target.id, repeatIndex: repeatIndex, output: JSONValue.object(output).jsonString,
                                    score: 0, passed: false, subscores: JSONValue.object(["error": .string(error.description)]).jsonString,
                                    errorType: named.contains(error.status) ? error.statusName : "scorer_error", latencyMs: latency,
                                    category: category, expectsCall: expectsCall)
        }
    }

    /// The normalized output scorers read (docs/evals.md): calls with arguments parsed from the
    /// provider's JSON text (integers and floats kept apart), unparsable ones kept raw
    /// and flagged; the text; the finish reason.
    /// Tool definitions with names every provider accepts ([A-Za-z0-9_-], at most 64),
    /// and the map from a sent name back to the suite's own.
    static func providerSafe(_ tools: [JSONValue]) -> ([JSONValue], [String: String]) {
        var back: [String: String] = [:]
        let safe = tools.map { tool -> JSONValue in
            guard let name = tool["function"]?["name"]?.stringValue else { return tool }
            let sent = String(String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" }).prefix(64))
            guard sent != name, var object = tool.objectValue, var function = object["function"]?.objectValue else { return tool }
            back[sent] = name
            function["name"] = .string(sent)
            object["function"] = .object(function)
            return .object(object)
        }
        return (safe, back)
    }

    public static func normalizedOutput(_ record: CallRecord) -> JSONObject {
        let calls: [JSONValue] = record.toolCalls.map { call in
            if call.arguments.isEmpty { return ["name": .string(call.name), "arguments": [:]] }
            if let parsed = try? JSONParser.parse(call.arguments), parsed.objectValue != nil {
                return ["name": .string(call.name), "arguments": parsed]
            }
            return ["name": .string(call.name), "arguments": .string(call.arguments), "arguments_invalid": true]
        }
        return ["calls": .array(calls), "text": .string(record.text), "finish_reason": record.finishReason.map(JSONValue.string) ?? .null]
    }

}
