import HostAuth
import HostJobs
import HostJudge
import HostStorage
import Hummingbird
import StudioJSON

/// LLM-as-judge over HTTP (docs/evals.md, docs/api.md): the user's judge settings, judging a stored
/// eval, comparing two evals pairwise, and the reports those jobs leave. Reports and the
/// evals they judge are the caller's own; anyone else's are 404 (or 422 inside a body).
struct JudgeController {
    let judge: JudgeServices
    let evals: EvalStore
    let settings: UserSettingsStore
    let queue: JobQueue
    let audit: AuditLog

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/settings/judge", "Your judge settings and the prompt versions there are") { _, context, _ in
            let settings = try await judge.userSettings(context.identity.userID)
            return Response.json(Self.settingsJSON(settings, prompts: judge.prompts))
        }
        routes.user(.put, "/api/settings/judge", "Change your judge settings (fields left out keep their value)",
                    body: RequestBody(schema: JudgeSettings.schema, example: JudgeSettings.example)) { _, context, body in
            let user = context.identity.userID
            var settings = try await judge.userSettings(user)
            settings.apply(body)
            if let (field, message) = try await judge.problem(userID: user, settings: settings, requireModel: false) {
                throw APIError.unprocessable(field, message)
            }
            try await self.settings.set(userID: user, key: JudgeSettings.storageKey, value: settings.json.jsonString)
            return Response.json(Self.settingsJSON(settings, prompts: judge.prompts))
        }
        routes.user(.post, "/api/evals/{id}/judge", "Judge a finished eval's results (a job: SSE judge_verdict, judge_report, complete)",
                    body: RequestBody(schema: JudgeRequest.postEvalSchema, example: JudgeRequest.postEvalExample),
                    owned: "eval", success: .accepted) { _, context, body in
            let user = context.identity.userID
            guard let eval = try await evals.run(userID: user, id: try context.parameters.require("id")) else { throw APIError.notFound }
            guard eval.status != "running" else { throw APIError(.conflict, "eval_running", "the eval is still running; judge it when it ends") }
            let request = JudgeRequest(mode: "post_eval", evalID: eval.id, overrides: body)
            return try await submit(request, user: user, queue: body["queue"]?.boolValue ?? false)
        }
        routes.user(.post, "/api/evals/compare", "Compare two evals of one suite, each case judged in both orders (a job)",
                    body: RequestBody(schema: JudgeRequest.compareSchema, example: JudgeRequest.compareExample),
                    success: .accepted) { _, context, body in
            let user = context.identity.userID
            var runs: [EvalRunRecord] = []
            for field in ["eval_a", "eval_b"] {
                let id = body[field]?.stringValue ?? ""
                guard let run = try await evals.run(userID: user, id: id) else { throw APIError.unprocessable(field, "you have no eval \(id)") }
                guard run.status != "running" else { throw APIError.unprocessable(field, "eval \(id) is still running") }
                runs.append(run)
            }
            guard runs[0].id != runs[1].id else { throw APIError.unprocessable("eval_b", "compare two different evals") }
            guard runs[0].suiteID != nil, runs[0].suiteID == runs[1].suiteID else {
                throw APIError.unprocessable("eval_b", "the two evals must have run the same suite")
            }
            let request = JudgeRequest(mode: "compare", evalID: runs[0].id, evalB: runs[1].id, overrides: body)
            return try await submit(request, user: user, queue: body["queue"]?.boolValue ?? false)
        }
        routes.user(.get, "/api/judge-reports", "Your judge reports, newest first (eval_id: those about one eval)",
                    query: ["eval_id"]) { request, context, _ in
            let evalID = request.uri.queryParameters["eval_id"].map(String.init)
            let reports = try await judge.store.reports(userID: context.identity.userID, evalRunID: evalID)
            return Response.json(["reports": .array(try reports.map(Self.reportJSON))])
        }
        routes.user(.get, "/api/judge-reports/{id}", "A judge report with every verdict", owned: "judge_report") { _, context, _ in
            let user = context.identity.userID
            guard let report = try await judge.store.report(userID: user, id: try context.parameters.require("id")) else {
                throw APIError.notFound
            }
            let verdicts = try await judge.store.verdicts(userID: user, reportID: report.id)
            var json = try Self.reportJSON(report).objectValue ?? [:]
            json["verdicts"] = .array(try verdicts.map { try $0.decodedVerdict() })
            return Response.json(.object(json))
        }
        routes.user(.delete, "/api/judge-reports/{id}", "Delete a judge report and its verdicts", owned: "judge_report",
                    success: .noContent) { _, context, _ in
            let user = context.identity.userID
            let id = try context.parameters.require("id")
            guard try await judge.store.delete(userID: user, id: id) else { throw APIError.notFound }
            try await audit.record(userID: user, email: nil, action: "judge_report.delete", target: id, ip: context.clientIP)
            return Response(status: .noContent)
        }
    }

    /// Checks the effective settings and queues the judge job.
    private func submit(_ request: JudgeRequest, user: String, queue: Bool) async throws -> Response {
        let settings = request.settings(try await judge.userSettings(user))
        if let (field, message) = try await judge.problem(userID: user, settings: settings) {
            throw APIError.unprocessable(field, message)
        }
        let job = try await self.queue.submitting(userID: user, kind: .judge, request: request.json, queue: queue)
        return Response.json(["job_id": .string(job.id), "state": .string(job.state), "judge_model": .string("\(settings.provider!)/\(settings.model!)"),
                              "prompt_version": .string(settings.promptVersion)], status: .accepted)
    }

    static func settingsJSON(_ settings: JudgeSettings, prompts: JudgePrompts?) -> JSONValue {
        var json = settings.json.objectValue ?? [:]
        json["prompt_versions"] = .array((prompts?.versions ?? []).map(JSONValue.string))
        return .object(json)
    }

    static func reportJSON(_ r: JudgeReportRecord) throws -> JSONValue {
        ["id": .string(r.id), "eval_id": r.evalRunID.map(JSONValue.string) ?? .null,
         "compare_eval_id": r.compareRunID.map(JSONValue.string) ?? .null, "mode": .string(r.mode),
         "judge_model": .string(r.judgeModel), "prompt_version": .string(r.promptVersion), "status": .string(r.status),
         "job_id": r.jobID.map(JSONValue.string) ?? .null,
         "created_at": .string(ISO8601.string(fromMilliseconds: r.createdAt)),
         "finished_at": r.finishedAt.map { .string(ISO8601.string(fromMilliseconds: $0)) } ?? .null,
         "report": try r.decodedReport()]
    }
}
