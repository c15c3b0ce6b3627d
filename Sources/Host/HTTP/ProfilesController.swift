import HostAuth
import HostBenchmark
import HostEvals
import HostJobs
import HostStorage
import HostTuning
import Hummingbird
import StudioJSON

/// Model profiles (docs/tuning.md, "Profiles"): a named configuration of one model, given
/// by hand or taken from a tuning run's best, an experiment's best or baseline, or an eval;
/// a benchmark's, an eval's or a schedule's target names it as `profile`. Owner-scoped.
struct ProfilesController {
    let profiles: ProfileStore
    let experiments: ExperimentStore
    let evals: EvalStore
    let tuning: TuningStore
    let checks: SubmissionChecks

    static let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["provider", "model", "name"],
        "properties": [
            "provider": ["type": "string", "minLength": 1, "maxLength": 64], "model": ["type": "string", "minLength": 1, "maxLength": 200],
            "name": BenchmarkRequest.Target.profileSchema,
            "config": ["type": "object"],
            "from": ["type": "object", "additionalProperties": false, "minProperties": 1,
                     "properties": ["tuning_id": ["type": "string", "minLength": 1, "maxLength": 64],
                                    "eval_id": ["type": "string", "minLength": 1, "maxLength": 64],
                                    "experiment_id": ["type": "string", "minLength": 1, "maxLength": 64],
                                    "which": ["enum": ["best", "baseline"]]]],
        ],
    ]
    static let example: JSONValue = ["provider": "sim-openai", "model": "sim-ttft5-gap1-toolssurface", "name": "tuned",
                                     "config": ["temperature": 0.35, "top_p": 0.8]]

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/profiles", "Your models' profiles (saved configurations)") { _, context, _ in
            let list = try await profiles.list(userID: context.identity.userID)
            return Response.json(["profiles": .array(try list.map(Self.json))])
        }
        routes.user(.post, "/api/profiles", "Save a configuration of a model as a named profile: given, or from a tuning run, an experiment or an eval",
                    body: RequestBody(schema: Self.schema, example: Self.example), success: .created) { _, context, body in
            let user = context.identity.userID
            let provider = try body.requiredString("provider"), model = try body.requiredString("model"), name = try body.requiredString("name")
            guard (body["config"] == nil) != (body["from"] == nil) else {
                throw APIError.badInput("config", "give either config (the parameters) or from (a tuning run, an experiment or an eval), not both")
            }
            let (config, source) = try await configuration(body, user: user)
            let (params, systemPrompt, _) = Configuration.split(config)
            let target = BenchmarkRequest.Target(provider: provider, model: model)
            if let (_, reason) = try await checks.configuration.missingTargets(userID: user, request: BenchmarkRequest(json: ["targets": [target.json]])) {
                throw APIError.unprocessable("model", reason)
            }
            var request = BenchmarkRequest(json: ["targets": [target.json]])
            request.params = params
            let checked = try await checks.benchmark(user: user, request: request, prefix: "config")
            do {
                let record = try await profiles.create(userID: user, provider: provider, model: model, name: name,
                                                       params: JSONValue.object(params).jsonString, systemPrompt: systemPrompt, source: source)
                var json = try Self.json(record).objectValue!
                json["adjustments"] = .array(checked.adjustments)  // what the provider's rules will change when it is used
                return Response.json(.object(json), status: .created)
            } catch let failure as ProfileStore.Failure {
                throw APIError(.conflict, "duplicate_profile", "name: \(failure.description)")
            }
        }
        routes.user(.delete, "/api/profiles/{id}", "Delete a profile", owned: "profile", success: .noContent) { _, context, _ in
            guard try await profiles.delete(userID: context.identity.userID, id: try context.parameters.require("id")) else { throw APIError.notFound }
            return Response(status: .noContent)
        }
    }

    /// The configuration to save and where it came from.
    func configuration(_ body: JSONValue, user: String) async throws -> (JSONObject, String) {
        if let config = body["config"]?.objectValue { return (config, "manual") }
        let from = body["from"] ?? [:]
        if let id = from["tuning_id"]?.stringValue {
            guard let run = try await tuning.run(userID: user, id: id) else { throw APIError.unprocessable("from.tuning_id", "you have no tuning run \(id)") }
            guard let best = try run.summary.map({ try JSONParser.parse($0) })?["best"]?["config"]?.objectValue else {
                throw APIError.unprocessable("from.tuning_id", "that tuning run has no best configuration yet")
            }
            return (best, "tuning")
        }
        if let id = from["eval_id"]?.stringValue {
            guard let run = try await evals.run(userID: user, id: id) else { throw APIError.unprocessable("from.eval_id", "you have no eval \(id)") }
            return (Configuration.of(evalRequest: try JSONParser.parse(run.request)), "eval")
        }
        if let id = from["experiment_id"]?.stringValue {
            guard let experiment = try await experiments.find(userID: user, id: id) else {
                throw APIError.unprocessable("from.experiment_id", "you have no experiment \(id)")
            }
            if from["which"] == "baseline" { return (try JSONParser.parse(experiment.baseline).objectValue ?? [:], "experiment") }
            let timeline = try await ExperimentsController.timeline(experiment, user: user, experiments: experiments, evals: evals, tuning: tuning)
            guard let best = ExperimentTimeline.best(timeline)["config"]?.objectValue else {
                throw APIError.unprocessable("from.experiment_id", "nothing on that experiment's timeline has a score yet")
            }
            return (best, "experiment")
        }
        throw APIError.badInput("from", "name a tuning_id, an eval_id or an experiment_id")
    }

    static func json(_ p: ProfileRecord) throws -> JSONValue {
        ["id": .string(p.id), "provider": .string(p.provider), "model": .string(p.model), "name": .string(p.name),
         "params": try JSONParser.parse(p.params), "system_prompt": p.systemPrompt.map(JSONValue.string) ?? .null,
         "source": .string(p.source), "created_at": .string(ISO8601.string(fromMilliseconds: p.createdAt))]
    }
}
