import HostAuth
import HostBenchmark
import HostEvals
import HostJobs
import HostStorage
import HostTuning
import Hummingbird
import StudioJSON

/// Experiments (docs/tuning.md, "Experiments"): a suite, its models and a baseline
/// configuration; evals and tuning runs linked to it make its timeline, each eval's delta
/// from the baseline with its confidence interval. Pin a new baseline, run the baseline or
/// the best again. Owner-scoped: another user's experiment is 404.
struct ExperimentsController {
    let experiments: ExperimentStore
    let suites: SuiteStore
    let evals: EvalStore
    let tuning: TuningStore
    let queue: JobQueue
    let checks: SubmissionChecks

    static let targetSchema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["provider", "model"],
        "properties": ["provider": ["type": "string", "minLength": 1, "maxLength": 64], "model": ["type": "string", "minLength": 1, "maxLength": 200]]]
    static let baselineSchema: JSONValue = [
        "type": "object", "additionalProperties": false,
        "properties": ["params": ["type": "object"], "system_prompt": ["type": "string", "maxLength": 100_000]]]
    static let createSchema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["name", "suite_id", "targets"],
        "properties": ["name": ["type": "string", "minLength": 1, "maxLength": 200], "suite_id": ["type": "string", "minLength": 1, "maxLength": 64],
                       "targets": ["type": "array", "minItems": 1, "maxItems": 10, "items": targetSchema], "baseline": baselineSchema]]
    static let example: JSONValue = ["name": "weather tool use", "suite_id": "0123456789abcdef0123456789abcdef",
                                     "targets": [["provider": "sim-openai", "model": "sim-ttft5-gap1-toolssurface"]],
                                     "baseline": ["params": ["temperature": 1, "top_p": 1]]]

    func addRoutes(to routes: RouteTable) {
        routes.user(.post, "/api/experiments", "Create an experiment: a suite, its models and a baseline configuration",
                    body: RequestBody(schema: Self.createSchema, example: Self.example), success: .created) { _, context, body in
            let user = context.identity.userID
            let suiteID = try body.requiredString("suite_id")
            guard try await suites.find(userID: user, id: suiteID) != nil else { throw APIError.unprocessable("suite_id", "you have no suite \(suiteID)") }
            let targets = body["targets"]?.arrayValue ?? []
            let baseline = Configuration.from(baseline: body["baseline"])
            let adjustments = try await check(targets: targets, config: baseline, suiteID: suiteID, user: user, field: "baseline")
            let record = try await experiments.create(userID: user, name: try body.requiredString("name"), suiteID: suiteID,
                                                      targets: JSONValue.array(targets).jsonString, baseline: JSONValue.object(baseline).jsonString)
            var json = try Self.json(record).objectValue!
            json["adjustments"] = .array(adjustments)  // what the provider's rules will change when it runs
            return Response.json(.object(json), status: .created)
        }
        routes.user(.get, "/api/experiments", "Your experiments, most recently changed first") { _, context, _ in
            let list = try await experiments.list(userID: context.identity.userID)
            return Response.json(["experiments": .array(try list.map(Self.json))])
        }
        routes.user(.get, "/api/experiments/{id}", "An experiment with its timeline (evals and tuning runs, deltas from the baseline) and its best configuration",
                    owned: "experiment") { _, context, _ in
            let user = context.identity.userID
            let experiment = try await load(context)
            let timeline = try await self.timeline(experiment, user: user)
            var json = try Self.json(experiment).objectValue!
            json["timeline"] = .array(timeline)
            json["best"] = ExperimentTimeline.best(timeline)
            return Response.json(.object(json))
        }
        routes.user(.put, "/api/experiments/{id}", "Rename an experiment or give it a new baseline configuration",
                    body: RequestBody(schema: ["type": "object", "additionalProperties": false, "minProperties": 1,
                                               "properties": ["name": ["type": "string", "minLength": 1, "maxLength": 200], "baseline": Self.baselineSchema]],
                                      example: ["name": "weather tool use, round 2"]), owned: "experiment") { _, context, body in
            let user = context.identity.userID
            let experiment = try await load(context)
            var baseline: String? = nil
            var adjustments: [JSONValue] = []
            if body["baseline"] != nil {
                let config = Configuration.from(baseline: body["baseline"])
                adjustments = try await check(targets: try JSONParser.parse(experiment.targets).arrayValue ?? [], config: config,
                                              suiteID: experiment.suiteID, user: user, field: "baseline")
                baseline = JSONValue.object(config).jsonString
            }
            // A new baseline configuration unpins the old baseline eval: deltas wait for one run with it.
            try await experiments.update(userID: user, id: experiment.id, name: body["name"]?.stringValue, baseline: baseline,
                                         baselineEvalID: baseline == nil ? nil : .some(nil))
            var json = try Self.json(try await load(context)).objectValue!
            json["adjustments"] = .array(adjustments)
            return Response.json(.object(json))
        }
        routes.user(.post, "/api/experiments/{id}/baseline", "Pin a new baseline: an eval on the timeline (its configuration and its scores) or a tuning run's best",
                    body: RequestBody(schema: ["type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
                                               "properties": ["eval_id": ["type": "string", "minLength": 1, "maxLength": 64],
                                                              "tuning_id": ["type": "string", "minLength": 1, "maxLength": 64]]],
                                      example: ["eval_id": "0123456789abcdef0123456789abcdef"]), owned: "experiment") { _, context, body in
            let user = context.identity.userID
            let experiment = try await load(context)
            if let evalID = body["eval_id"]?.stringValue {
                guard let run = try await experiments.evalRuns(userID: user, experimentID: experiment.id).first(where: { $0.id == evalID }) else {
                    throw APIError.unprocessable("eval_id", "no eval \(evalID) on this experiment's timeline")
                }
                guard run.status == "done" else { throw APIError.unprocessable("eval_id", "that eval has not finished (\(run.status))") }
                let config = Configuration.of(evalRequest: try JSONParser.parse(run.request))
                try await experiments.update(userID: user, id: experiment.id, baseline: JSONValue.object(config).jsonString, baselineEvalID: .some(evalID))
            } else if let tuningID = body["tuning_id"]?.stringValue {
                guard let run = try await tuning.run(userID: user, id: tuningID), run.experimentID == experiment.id else {
                    throw APIError.unprocessable("tuning_id", "no tuning run \(tuningID) on this experiment's timeline")
                }
                guard let best = try run.summary.map({ try JSONParser.parse($0) })?["best"]?["config"]?.objectValue else {
                    throw APIError.unprocessable("tuning_id", "that tuning run has no best configuration yet")
                }
                // The tuned parameters over the baseline's: what the run did not tune stays as it was.
                var config = try JSONParser.parse(experiment.baseline).objectValue ?? [:]
                for (name, value) in best { config[name] = value }
                try await experiments.update(userID: user, id: experiment.id, baseline: JSONValue.object(Configuration.canonical(config)).jsonString,
                                             baselineEvalID: .some(nil))
            }
            return Response.json(try Self.json(try await load(context)))
        }
        routes.user(.post, "/api/experiments/{id}/run", "Run the baseline or the best configuration so far as an eval on the experiment's timeline (a job)",
                    body: RequestBody(schema: ["type": "object", "additionalProperties": false, "required": ["config"],
                                               "properties": ["config": ["enum": ["baseline", "best"]], "repeat": ["type": "integer", "minimum": 1, "maximum": 10],
                                                              "queue": ["type": "boolean"]]],
                                      example: ["config": "best"]), owned: "experiment", success: .accepted) { _, context, body in
            let user = context.identity.userID
            let experiment = try await load(context)
            var config = try JSONParser.parse(experiment.baseline).objectValue ?? [:]
            if body["config"] == "best" {
                let best = ExperimentTimeline.best(try await timeline(experiment, user: user))
                guard let found = best["config"]?.objectValue else {
                    throw APIError.unprocessable("config", "nothing on the timeline has a score yet: run the baseline or a tuning run first")
                }
                config = found
            }
            let (params, systemPrompt, toolChoice) = Configuration.split(config)
            var request: JSONObject = ["suite_id": .string(experiment.suiteID), "targets": try JSONParser.parse(experiment.targets),
                                       "params": .object(params), "experiment_id": .string(experiment.id),
                                       "repeat": body["repeat"] ?? 1, "tool_choice": .string(toolChoice ?? "auto")]
            if let systemPrompt { request["system_prompt"] = .string(systemPrompt) }
            let eval = EvalRequest(json: .object(request))
            let checked = try await checks.benchmark(user: user, request: eval.asBenchmark, prefix: "config")
            let job = try await queue.submitting(userID: user, kind: .eval, request: eval.json, queue: body["queue"]?.boolValue ?? false)
            return Response.json(["job_id": .string(job.id), "state": .string(job.state), "config": .object(config),
                                  "adjustments": .array(checked.adjustments)], status: .accepted)
        }
        routes.user(.delete, "/api/experiments/{id}", "Delete an experiment (its evals and tuning runs stay, unlinked)", owned: "experiment",
                    success: .noContent) { _, context, _ in
            guard try await experiments.delete(userID: context.identity.userID, id: try context.parameters.require("id")) else { throw APIError.notFound }
            return Response(status: .noContent)
        }
    }

    private func load(_ context: AuthenticatedContext) async throws -> ExperimentRecord {
        guard let found = try await experiments.find(userID: context.identity.userID, id: try context.parameters.require("id")) else {
            throw APIError.notFound
        }
        return found
    }

    func timeline(_ experiment: ExperimentRecord, user: String) async throws -> [JSONValue] {
        try await Self.timeline(experiment, user: user, experiments: experiments, evals: evals, tuning: tuning)
    }

    /// The timeline from the stores (profiles read an experiment's best through it too).
    static func timeline(_ experiment: ExperimentRecord, user: String, experiments: ExperimentStore, evals: EvalStore,
                         tuning: TuningStore) async throws -> [JSONValue] {
        var linked: [ExperimentTimeline.Eval] = []
        for run in try await experiments.evalRuns(userID: user, experimentID: experiment.id) {
            linked.append(.init(run: run, results: try await evals.results(userID: user, runID: run.id)))
        }
        let runs = try await tuning.runs(userID: user, experimentID: experiment.id).reversed()
        // Times in ISO 8601, as every other record the API shows.
        return try ExperimentTimeline.entries(evals: linked, tuning: Array(runs), pinned: experiment.baselineEvalID,
                                              baseline: try JSONParser.parse(experiment.baseline).objectValue ?? [:]).map { entry in
            guard var object = entry.objectValue, let at = object["at"]?.intValue else { return entry }
            object["at"] = .string(ISO8601.string(fromMilliseconds: at))
            return .object(object)
        }
    }

    /// Each target exists and takes the configuration (the provider's rules), as an eval of
    /// the suite with it would be checked.
    @discardableResult
    func check(targets: [JSONValue], config: JSONObject, suiteID: String, user: String, field: String) async throws -> [JSONValue] {
        let (params, systemPrompt, _) = Configuration.split(config)
        var request: JSONObject = ["suite_id": .string(suiteID), "targets": .array(targets), "params": .object(params)]
        if let systemPrompt { request["system_prompt"] = .string(systemPrompt) }
        let eval = EvalRequest(json: .object(request))
        if let (index, reason) = try await checks.configuration.missingTargets(userID: user, request: eval.asBenchmark) {
            throw APIError.unprocessable("targets[\(index)]", reason)
        }
        return try await checks.benchmark(user: user, request: eval.asBenchmark, prefix: field).adjustments
    }

    static func json(_ e: ExperimentRecord) throws -> JSONValue {
        ["id": .string(e.id), "name": .string(e.name), "suite_id": .string(e.suiteID), "targets": try JSONParser.parse(e.targets),
         "baseline": try JSONParser.parse(e.baseline), "baseline_eval_id": e.baselineEvalID.map(JSONValue.string) ?? .null,
         "created_at": .string(ISO8601.string(fromMilliseconds: e.createdAt)), "updated_at": .string(ISO8601.string(fromMilliseconds: e.updatedAt))]
    }
}
