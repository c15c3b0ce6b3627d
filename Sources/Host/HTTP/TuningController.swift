import Foundation
import HostAuth
import HostBenchmark
import HostEvals
import HostJobs
import HostPlugins
import HostStorage
import HostTuning
import Hummingbird
import NIOCore
import StudioJSON

/// Parameter tuning (docs/tuning.md, docs/api.md): runs are jobs (SSE per trial, cancel,
/// resume from the last finished trial), stored with every trial, exported as CSV.
/// Owner-scoped like the rest: another user's run is 404.
struct TuningController {
    let tuning: TuningStore
    let library: PromptLibraryStore
    let tuner: TuningJobExecutor
    let suites: SuiteStore
    let catalog: PluginCatalog
    let queue: JobQueue
    let jobs: JobStore
    let checks: SubmissionChecks
    let audit: AuditLog

    func addRoutes(to routes: RouteTable) {
        let body = RequestBody(schema: TuneRequest.schema, example: TuneRequest.example, limit: 256 << 10)
        routes.user(.post, "/api/tuning/estimate", "What a tuning run would take (calls and USD, at worst and typically) without starting it",
                    body: body) { _, context, body in
            let (_, estimate, adjustments) = try await check(body, user: context.identity.userID)
            return Response.json(["estimate": estimate, "adjustments": .array(adjustments)])
        }
        routes.user(.post, "/api/tuning", "Tune a model's parameters on a suite (a job: SSE tuning, trial, progress, confirmation, complete)",
                    body: body, success: .accepted) { _, context, body in
            let user = context.identity.userID
            let (request, estimate, adjustments) = try await check(body, user: user)
            let job = try await queue.submitting(userID: user, kind: .tune, request: request.json, queue: body["queue"]?.boolValue ?? false)
            try await audit.record(userID: user, email: nil, action: "job.submit", target: job.id, ip: context.clientIP)
            return Response.json(["job_id": .string(job.id), "state": .string(job.state), "estimate": estimate, "adjustments": .array(adjustments)],
                                 status: .accepted)
        }
        routes.user(.post, "/api/tuning/prompts",
                    "Tune a model's system prompt on a suite: a writer model proposes prompts, quick or over generations (a job like a tuning run)",
                    body: RequestBody(schema: PromptTuneRequest.schema, example: PromptTuneRequest.example, limit: 256 << 10),
                    success: .accepted) { _, context, body in
            let user = context.identity.userID
            let (request, estimate, adjustments) = try await checkPrompts(body, user: user)
            let job = try await queue.submitting(userID: user, kind: .tune, request: request.json, queue: body["queue"]?.boolValue ?? false)
            try await audit.record(userID: user, email: nil, action: "job.submit", target: job.id, ip: context.clientIP)
            return Response.json(["job_id": .string(job.id), "state": .string(job.state), "estimate": estimate, "adjustments": .array(adjustments)],
                                 status: .accepted)
        }
        routes.user(.post, "/api/tuning/prompts/estimate", "What a prompt tuning run would take (trials' and the writer's calls, cost) without starting it",
                    body: RequestBody(schema: PromptTuneRequest.schema, example: PromptTuneRequest.example, limit: 256 << 10)) { _, context, body in
            let (_, estimate, adjustments) = try await checkPrompts(body, user: context.identity.userID)
            return Response.json(["estimate": estimate, "adjustments": .array(adjustments)])
        }
        routes.user(.get, "/api/tuning", "Your tuning runs, newest first") { _, context, _ in
            var runs: [JSONValue] = []
            for run in try await tuning.runs(userID: context.identity.userID) {
                runs.append(.object(try Self.run(try await withJobState(run, user: context.identity.userID))))
            }
            return Response.json(["tuning_runs": .array(runs)])
        }
        routes.user(.get, "/api/tuning/{id}", "A tuning run with every trial", owned: "tuning run") { _, context, _ in
            let (run, trials) = try await load(context)
            var json = try Self.run(run)
            json["trials"] = .array(try trials.map { .object(try TuningJSON.trial($0)) })
            return Response.json(.object(json))
        }
        routes.user(.get, "/api/tuning/{id}/export", "A tuning run's trials as CSV (format=csv) or JSON (format=json)", owned: "tuning run",
                    query: ["format"]) { request, context, _ in
            let (run, trials) = try await load(context)
            let format = request.uri.queryParameters["format"].map(String.init) ?? "csv"
            guard format == "csv" || format == "json" else { throw APIError.badInput("format", "must be csv or json") }
            if format == "json" {
                var json = try Self.run(run)
                json["trials"] = .array(try trials.map { .object(try TuningJSON.trial($0)) })
                return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store",
                                                       .contentDisposition: "attachment; filename=\"tuning-\(run.id).json\""],
                                body: .init(byteBuffer: ByteBuffer(string: JSONValue.object(json).jsonString)))
            }
            let names = Array(Set(trials.flatMap { (try? JSONParser.parse($0.config).objectValue?.keys.map { $0 }) ?? [] })).sorted()
            let rows: [[JSONValue]] = try trials.map { t in
                let config = try JSONParser.parse(t.config)
                return [.int(Int64(t.position + 1))] + names.map { config[$0] ?? .null }
                    + [.double(t.score), .int(Int64(t.repeats)), t.costUSD.map(JSONValue.double) ?? .null,
                       t.latencyMs.map(JSONValue.double) ?? .null, .int(Int64(t.calls)), .int(Int64(t.errors)),
                       t.note.map(JSONValue.string) ?? .null]
            }
            return RunsController.csv(header: ["trial"] + names + ["score", "repeats", "cost_usd", "latency_ms", "calls", "errors", "note"],
                                      rows: rows, filename: "tuning-\(run.id).csv")
        }
        routes.user(.post, "/api/tuning/{id}/resume", "Continue a stopped tuning run (interrupted, cancelled or failed) after its last finished trial; queue=true waits behind a running job",
                    owned: "tuning run", query: ["queue"], success: .accepted) { httpRequest, context, _ in
            let user = context.identity.userID
            let (run, trials) = try await load(context)
            if let jobID = run.jobID, let job = try await jobs.find(id: jobID, userID: user), !job.isTerminal {
                throw APIError(.conflict, "still_running", "this tuning run is still \(job.state); cancel it first or wait for it")
            }
            guard run.status != "done" else {
                throw APIError(.conflict, "finished", "this tuning run finished; start a new one to try more configurations")
            }
            guard let suiteID = run.suiteID, try await suites.find(userID: user, id: suiteID) != nil else {
                throw APIError.unprocessable("suite_id", "the suite of this tuning run was deleted")
            }
            var request = try JSONParser.parse(run.request).objectValue ?? [:]
            request["resume_id"] = .string(run.id)
            let job = try await queue.submitting(userID: user, kind: .tune, request: .object(request),
                                                 queue: httpRequest.uri.queryParameters["queue"] == "true")
            return Response.json(["job_id": .string(job.id), "state": .string(job.state), "tuning_id": .string(run.id),
                                  "trials_done": .int(Int64(trials.count))], status: .accepted)
        }
        routes.user(.delete, "/api/tuning/{id}", "Delete a tuning run and its trials", owned: "tuning run", success: .noContent) { _, context, _ in
            let user = context.identity.userID
            let id = try context.parameters.require("id")
            if let run = try await tuning.run(userID: user, id: id), let jobID = run.jobID,
               let job = try await jobs.find(id: jobID, userID: user), !job.isTerminal {
                throw APIError(.conflict, "still_running", "this tuning run is still \(job.state); cancel it first")
            }
            guard try await tuning.delete(userID: user, id: id) else { throw APIError.notFound }
            return Response(status: .noContent)
        }
    }

    private func load(_ context: AuthenticatedContext) async throws -> (TuningRunRecord, [TuningTrialRecord]) {
        let user = context.identity.userID
        guard let run = try await tuning.run(userID: user, id: try context.parameters.require("id")) else { throw APIError.notFound }
        return (try await withJobState(run, user: user), try await tuning.trials(userID: user, runID: run.id))
    }

    /// A run still marked running whose job ended without finishing it (its instance died:
    /// the job is `interrupted`) shows its job's state, so it can be seen and resumed.
    private func withJobState(_ run: TuningRunRecord, user: String) async throws -> TuningRunRecord {
        guard run.status == "running", let jobID = run.jobID, let job = try await jobs.find(id: jobID, userID: user), job.isTerminal else { return run }
        var shown = run
        shown.status = job.state == "done" ? "failed" : job.state
        return shown
    }

    /// Everything a tuning request must pass before it is queued: the suite, the scorer, the
    /// model, every parameter the space names at its ends (and each listed value) through the
    /// provider's rules, and a budget that holds at least the confirmation and one trial.
    func check(_ body: JSONValue, user: String) async throws -> (TuneRequest, JSONValue, [JSONValue]) {
        var body = body.objectValue ?? [:]
        // On an experiment's timeline: its suite, and its baseline unless one is given.
        if let experiment = try await checks.experiment(body["experiment_id"]?.stringValue, suiteID: body["suite_id"]?.stringValue, user: user),
           body["baseline"] == nil {
            let (params, systemPrompt, _) = Configuration.split(try JSONParser.parse(experiment.baseline).objectValue ?? [:])
            var baseline: JSONObject = ["params": .object(params)]
            if let systemPrompt { baseline["system_prompt"] = .string(systemPrompt) }
            body["baseline"] = .object(baseline)
        }
        let request = try TuneRequest(json: .object(body))
        guard try await suites.find(userID: user, id: request.suiteID) != nil else {
            throw APIError.unprocessable("suite_id", "you have no suite \(request.suiteID)")
        }
        guard try await !suites.cases(userID: user, suiteID: request.suiteID).isEmpty else {
            throw APIError.unprocessable("suite_id", "the suite has no cases to score a configuration on; add cases first")
        }
        guard catalog.current.scorer(id: request.scorer) != nil else {
            throw APIError.unprocessable("scorer", "no scorer plugin \"\(request.scorer)\" is loaded")
        }
        if let (_, reason) = try await checks.configuration.missingTargets(userID: user, request: .single(provider: request.provider, model: request.model)) {
            throw APIError.unprocessable("target", reason)
        }
        // What the provider's rules would change (a clamp, a drop), said once per parameter and value.
        var adjustments: [JSONValue] = []
        func note(_ checked: BenchmarkRequestCheck.Checked, _ field: String) {
            for adjustment in checked.adjustments {
                var object = adjustment.objectValue ?? [:]
                object["field"] = .string(field)
                object["target"] = nil
                if !adjustments.contains(.object(object)) { adjustments.append(.object(object)) }
            }
        }
        note(try await checks.benchmark(user: user, request: TuningJobExecutor.evalRequest(request.baseline, request).asBenchmark,
                                        prefix: "baseline"), "baseline")
        for (name, config) in Self.probes(request) {
            do {
                note(try await checks.benchmark(user: user, request: TuningJobExecutor.evalRequest(config, request).asBenchmark), "space.\(name)")
            } catch let error as APIError where error.status == .unprocessableContent {
                throw APIError.unprocessable("space.\(name)", "\(JSONValue.object(config).jsonString) is refused: \(error.message)")
            }
        }
        let estimate = try await tuner.preview(request, userID: user)
        if request.budget.maxCostUSD != nil, estimate["cost_usd_per_call"] == .null {
            throw APIError.unprocessable("budget.max_cost_usd",
                                         "the model has no prices, so spending cannot be counted: give it prices (Providers & keys) or leave out max_cost_usd")
        }
        let first = Int(estimate["calls_per_trial"]?.intValue ?? 0), confirmation = Int(estimate["confirmation_calls"]?.intValue ?? 0)
        if first + confirmation > request.budget.maxCalls {
            throw APIError.unprocessable("budget.max_calls", "one trial and the confirmation need \(first + confirmation) calls; "
                                         + "allow at least that many, or confirm: false")
        }
        if let limit = request.budget.maxCostUSD, let perCall = estimate["cost_usd_per_call"]?.doubleValue,
           Double(first + confirmation) * perCall > limit {
            throw APIError.unprocessable("budget.max_cost_usd", "one trial and the confirmation may cost up to $\(Self.money(Double(first + confirmation) * perCall)); "
                                         + "allow at least that, or confirm: false")
        }
        return (request, estimate, adjustments)
    }

    /// A prompt tuning request's checks: those of a tuning run (suite, scorer, model, budget),
    /// the writer model, the fixed parameters through the provider's rules, the library seeds.
    func checkPrompts(_ body: JSONValue, user: String) async throws -> (PromptTuneRequest, JSONValue, [JSONValue]) {
        var body = body.objectValue ?? [:]
        if let experiment = try await checks.experiment(body["experiment_id"]?.stringValue, suiteID: body["suite_id"]?.stringValue, user: user) {
            // The experiment's baseline: its parameters stay fixed, its prompt is the one to beat.
            let (params, systemPrompt, _) = Configuration.split(try JSONParser.parse(experiment.baseline).objectValue ?? [:])
            if body["params"] == nil { body["params"] = .object(params) }
            if body["baseline_prompt"] == nil, let systemPrompt { body["baseline_prompt"] = .string(systemPrompt) }
        }
        let prompts = try PromptTuneRequest(json: .object(body))
        if let (_, reason) = try await checks.configuration.missingTargets(userID: user, request: .single(provider: prompts.writerProvider, model: prompts.writerModel)) {
            throw APIError.unprocessable("writer", reason)
        }
        for (i, id) in prompts.seeds.enumerated() where try await library.find(userID: user, id: id) == nil {
            throw APIError.unprocessable("seeds[\(i)]", "your prompt library has no prompt \(id)")
        }
        // The checks of a tuning run whose only "space" is a prompt: the fixed parameters are
        // checked as its baseline, nothing else is probed.
        var tune = prompts.asTuneRequest.json.objectValue ?? [:]
        tune["space"] = ["system_prompt": ["values": [.string(prompts.baselinePrompt ?? "-")]]]
        let (_, estimate, adjustments) = try await check(.object(tune), user: user)
        return (prompts, TuningJSON.withWriterCalls(estimate, generations: prompts.generations), adjustments.filter { $0["field"] == "baseline" })
    }

    /// A run as the API shows it: times in ISO 8601, as every other record.
    static func run(_ r: TuningRunRecord) throws -> JSONObject {
        var json = try TuningJSON.run(r)
        json["started_at"] = .string(ISO8601.string(fromMilliseconds: r.startedAt))
        json["finished_at"] = r.finishedAt.map { .string(ISO8601.string(fromMilliseconds: $0)) } ?? .null
        return json
    }

    static func money(_ x: Double) -> String { String(format: "%.4f", x) }

    /// Configurations that show whether the provider takes each parameter: each dimension's
    /// ends (a range) or values (a list, at most 12), the others at their first value.
    static func probes(_ request: TuneRequest) -> [(String, JSONObject)] {
        let space = request.space
        var base = JSONObject()
        for name in space.names { base[name] = space.value(name, at: 0) }
        var probes: [(String, JSONObject)] = []
        for name in space.names {
            let values: [JSONValue]
            switch space.dimensions[name]! {
            case .values(let list): values = list.count <= 12 ? list : stride(from: 0, to: list.count, by: list.count / 12 + 1).map { list[$0] } + [list.last!]
            case .range: values = [space.value(name, at: 0), space.value(name, at: 1)]
            }
            for value in values {
                var probe = base
                probe[name] = value
                probes.append((name, probe))
            }
        }
        return probes
    }
}
