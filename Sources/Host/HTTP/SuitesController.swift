import HostAuth
import HostEvals
import HostJobs
import HostJudge
import HostPlugins
import HostStorage
import Hummingbird
import StudioJSON

/// Tool-calling suites and evals (docs/evals.md, docs/api.md): suites with tools and cases (CRUD, native
/// and MCP import, native export) and eval jobs over them. Owner-scoped like the rest.
struct SuitesController {
    let suites: SuiteStore
    let evals: EvalStore
    let judge: JudgeServices
    let catalog: PluginCatalog
    let queue: JobQueue
    let checks: SubmissionChecks
    let audit: AuditLog

    static let example: JSONValue = [
        "name": "weather", "description": "Picks the weather tool", "system_prompt": "Use the tools when they help.",
        "tools": [["type": "function", "function": ["name": "get_weather", "description": "Weather for a city",
                                                     "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]]]],
        "cases": [["id": "paris", "prompt": "What is the weather in Paris?",
                   "expected_calls": [["name": "get_weather", "arguments": ["city": "Paris"]]]]],
    ]

    static var nativeExample: JSONValue {
        var object: JSONObject = ["format": .string(SuiteDocument.format)]
        for (k, v) in example.objectValue! { object[k] = v }
        return .object(object)
    }

    static let firstCaseExample: JSONValue = example["cases"]?.arrayValue?.first ?? [:]

    static var exampleWithoutCases: JSONValue {
        var object = example.objectValue!
        object["cases"] = nil
        return .object(object)
    }

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/suites", "Your tool-calling suites") { _, context, _ in
            let list = try await suites.list(userID: context.identity.userID)
            return Response.json(["suites": .array(list.map { s, cases, tools in
                Self.suiteJSON(s).merging(["cases": .int(Int64(cases)), "tools": .int(Int64(tools))])
            })])
        }
        routes.user(.post, "/api/suites", "Create a suite with its tools and cases",
                    body: RequestBody(schema: SuiteDocument.suiteSchema, example: Self.example, limit: 8 << 20), success: .created) { _, context, body in
            let suite = try await create(context, try SuiteDocument.contents(body))
            return Response.json(suite, status: .created)
        }
        routes.user(.post, "/api/suites/import", "Import a suite: native (studio-suite/1), bfcl (question + answer JSON Lines) or mcp (a tools/list result)",
                    body: RequestBody(schema: ["type": "object"], example: Self.nativeExample,
                                      limit: 16 << 20),
                    query: ["format", "name"], success: .created) { request, context, body in
            let format = request.uri.queryParameters["format"].map(String.init) ?? "native"
            let contents: SuiteContents
            switch format {
            case "native":
                guard body["format"] != nil else { throw APIError.badInput("format", "a native suite has \"format\": \"studio-suite/1\"") }
                contents = try SuiteDocument.parse(body)
            case "mcp":
                contents = try SuiteDocument.mcp(body, name: request.uri.queryParameters["name"].map(String.init) ?? "MCP tools")
            case "bfcl":
                // {"questions": "<JSON Lines>", "answers": "<JSON Lines>", "category": "simple_python"}
                guard let questions = body["questions"]?.stringValue else {
                    throw APIError.badInput("questions", "BFCL import takes the question file's text as \"questions\" (and \"answers\")")
                }
                let category = body["category"]?.stringValue
                let (bfcl, skipped) = try BFCLImport.suite(name: request.uri.queryParameters["name"].map(String.init) ?? "BFCL \(category ?? "")",
                                                           category: category, questions: questions, answers: body["answers"]?.stringValue)
                guard !bfcl.cases.isEmpty else { throw APIError.unprocessable("questions", "no entry could be imported: \(skipped.first?.reason ?? "empty file")") }
                let created = try await create(context, bfcl)
                return Response.json(created.merging(["skipped": .array(skipped.map(\.json))]), status: .created)
            default:
                throw APIError.badInput("format", "must be native, bfcl or mcp")
            }
            return Response.json(try await create(context, contents), status: .created)
        }
        routes.user(.get, "/api/suites/{id}", "A suite with its tools and cases", owned: "suite") { _, context, _ in
            Response.json(try await full(context))
        }
        routes.user(.put, "/api/suites/{id}", "Replace a suite's name, description, system prompt and tools (and its cases, when given, in the same transaction)",
                    body: RequestBody(schema: SuiteDocument.suiteSchema, example: Self.exampleWithoutCases, limit: 8 << 20),
                    owned: "suite") { _, context, body in
            let contents = try SuiteDocument.contents(body)
            if body["cases"] != nil {
                // Tools and cases together (a tool renamed in the cases that expect it): all or nothing.
                let written: Bool
                do {
                    written = try await suites.update(userID: context.identity.userID, id: try context.parameters.require("id"), name: contents.name,
                                                      description: contents.description, systemPrompt: contents.systemPrompt, tools: contents.tools,
                                                      cases: contents.cases)
                } catch let failure as SuiteStore.Failure { throw APIError(.conflict, "duplicate_case", "cases: \(failure.description)") }
                guard written else { throw APIError.notFound }
                return Response.json(try await full(context))
            }
            // The stored cases must still name offered tools: a tool a case expects cannot go.
            let stored = try await suites.cases(userID: context.identity.userID, suiteID: try context.parameters.require("id"))
            do {
                _ = try SuiteDocument.contents(["name": "check", "tools": body["tools"] ?? [], "cases": .array(try stored.map { try $0.decodedBody() })])
            } catch let error as FieldError {
                let index = error.field.dropFirst("cases[".count).prefix { $0.isNumber }
                let key = Int(index).flatMap { stored.indices.contains($0) ? stored[$0].caseKey : nil } ?? "?"
                throw APIError.unprocessable("tools", "case \(key) expects a tool this change removes: \(error.message)")
            }
            guard try await suites.update(userID: context.identity.userID, id: try context.parameters.require("id"), name: contents.name,
                                                   description: contents.description, systemPrompt: contents.systemPrompt, tools: contents.tools)
            else { throw APIError.notFound }
            return Response.json(try await full(context))
        }
        routes.user(.delete, "/api/suites/{id}", "Delete a suite and its cases", owned: "suite", success: .noContent) { _, context, _ in
            guard try await suites.delete(userID: context.identity.userID, id: try context.parameters.require("id")) else { throw APIError.notFound }
            return Response(status: .noContent)
        }
        routes.user(.get, "/api/suites/{id}/export", "A suite as a native document (format=native)", owned: "suite",
                    query: ["format"]) { request, context, _ in
            guard (request.uri.queryParameters["format"].map(String.init) ?? "native") == "native" else {
                throw APIError.badInput("format", "must be native")
            }
            var document = try await full(context).objectValue!
            for key in ["id", "created_at", "updated_at"] { document[key] = nil }
            document["cases"] = .array((document["cases"]?.arrayValue ?? []).map { $0["body"] ?? .null })
            var exported: JSONObject = ["format": .string(SuiteDocument.format)]
            for (k, v) in document { exported[k] = v }
            return Response.json(.object(exported))
        }
        routes.user(.post, "/api/suites/{id}/duplicate", "A copy of a suite, its tools and cases", owned: "suite", success: .created) { _, context, _ in
            let user = context.identity.userID
            guard let suite = try await suites.find(userID: user, id: try context.parameters.require("id")) else { throw APIError.notFound }
            let tools = try await suites.tools(userID: user, suiteID: suite.id)
            let cases = try await suites.cases(userID: user, suiteID: suite.id)
            let copy = SuiteContents(name: suite.name + " (copy)", description: suite.description, systemPrompt: suite.systemPrompt,
                                     tools: try zip(tools, await suites.decodedTools(userID: user, suiteID: suite.id)).map { text, definition in
                                         (definition["function"]?["name"]?.stringValue ?? "", text)
                                     },
                                     cases: cases.map { ($0.caseKey, $0.category, $0.scorer, $0.body) })
            return Response.json(try await create(context, copy), status: .created)
        }
        routes.user(.put, "/api/suites/{id}/cases", "Replace every case of a suite at once (bulk edit)",
                    body: RequestBody(schema: Schema.object([("cases", Schema.array(SuiteDocument.caseSchema, max: 10_000))], required: ["cases"]),
                                      example: ["cases": [Self.firstCaseExample]], limit: 8 << 20),
                    owned: "suite") { _, context, body in
            let user = context.identity.userID
            let id = try context.parameters.require("id")
            guard try await suites.find(userID: user, id: id) != nil else { throw APIError.notFound }
            let tools = try await suites.decodedTools(userID: user, suiteID: id)
            // The same checks as a new suite (unique ids, expected tools offered), all before writing.
            let checked = try SuiteDocument.contents(["name": "check", "tools": .array(tools), "cases": body["cases"] ?? []])
            do {
                guard try await suites.replaceCases(userID: user, suiteID: id, checked.cases) else { throw APIError.notFound }
            } catch let failure as SuiteStore.Failure { throw APIError(.conflict, "duplicate_case", "cases: \(failure.description)") }
            return Response.json(["cases": .int(Int64(checked.cases.count))])
        }
        routes.user(.get, "/api/suites/{id}/cases", "The suite's cases", owned: "suite") { _, context, _ in
            Response.json(["cases": try await full(context)["cases"] ?? []])
        }
        routes.user(.post, "/api/suites/{id}/cases", "Add a case", body: RequestBody(schema: SuiteDocument.caseSchema, example: Self.firstCaseExample),
                    owned: "suite", success: .created) { _, context, body in
            let key = try body.requiredString("id")
            try await checkCase(body, context)
            if let count = try await suites.caseCount(userID: context.identity.userID, suiteID: try context.parameters.require("id")),
               count >= SuiteDocument.maxCases {
                throw APIError(.conflict, "too_many_cases", "cases: this suite already holds \(SuiteDocument.maxCases) cases, the most a suite holds")
            }
            let record: CaseRecord?
            do {
                record = try await suites.addCase(userID: context.identity.userID, suiteID: try context.parameters.require("id"), key: key,
                                                           category: body["category"]?.stringValue, scorer: body["scorer"]?.stringValue ?? "toolcall",
                                                           body: body.jsonString)
            } catch let failure as SuiteStore.Failure { throw APIError(.conflict, "duplicate_case", "id: \(failure.description)") }
            guard let record else { throw APIError.notFound }
            return Response.json(try Self.caseJSON(record), status: .created)
        }
        routes.user(.put, "/api/suites/{id}/cases/{case_id}", "Replace a case", body: RequestBody(schema: SuiteDocument.caseSchema, example: Self.firstCaseExample),
                    owned: "suite") { _, context, body in
            try await checkCase(body, context)
            let updated: Bool
            do {
                updated = try await suites.updateCase(userID: context.identity.userID, suiteID: try context.parameters.require("id"),
                                                      caseID: try context.parameters.require("case_id"), key: try body.requiredString("id"),
                                                      category: body["category"]?.stringValue, scorer: body["scorer"]?.stringValue ?? "toolcall",
                                                      body: body.jsonString)
            } catch let failure as SuiteStore.Failure { throw APIError(.conflict, "duplicate_case", "id: \(failure.description)") }
            guard updated else { throw APIError.notFound }
            return Response.json(["case_id": .string(try context.parameters.require("case_id")), "updated": true])
        }
        routes.user(.delete, "/api/suites/{id}/cases/{case_id}", "Delete a case", owned: "suite", success: .noContent) { _, context, _ in
            guard try await suites.deleteCase(userID: context.identity.userID, suiteID: try context.parameters.require("id"),
                                                       caseID: try context.parameters.require("case_id")) else { throw APIError.notFound }
            return Response(status: .noContent)
        }

        routes.user(.post, "/api/evals", "Run a suite against models (a job: SSE progress, result, model_summary, complete)",
                    body: RequestBody(schema: EvalRequest.schema, example: EvalRequest.example), success: .accepted) { _, context, body in
            let user = context.identity.userID
            let request = EvalRequest(json: body)
            guard try await suites.find(userID: user, id: request.suiteID) != nil else {
                throw APIError.unprocessable("suite_id", "you have no suite \(request.suiteID)")
            }
            guard catalog.current.scorer(id: request.scorer) != nil else {
                throw APIError.unprocessable("scorer", "no scorer plugin \"\(request.scorer)\" is loaded")
            }
            _ = try await checks.experiment(request.experimentID, suiteID: request.suiteID, user: user)
            let checked = try await checks.benchmark(user: user, request: request.asBenchmark)
            try await checks.inlineJudging(request, user: user)
            let job = try await queue.submitting(userID: user, kind: .eval, request: request.json,
                                                                          queue: body["queue"]?.boolValue ?? false)
            return Response.json(["job_id": .string(job.id), "state": .string(job.state), "adjustments": .array(checked.adjustments)], status: .accepted)
        }
        routes.user(.get, "/api/evals", "Your eval runs, newest first") { _, context, _ in
            let runs = try await evals.runs(userID: context.identity.userID)
            return Response.json(["evals": .array(try runs.map(Self.evalJSON))])
        }
        routes.user(.get, "/api/evals/{id}", "An eval run: per-case results (with the latest judge verdicts) and per-model summaries",
                    owned: "eval") { _, context, _ in
            let user = context.identity.userID
            guard let run = try await evals.run(userID: user, id: try context.parameters.require("id")) else { throw APIError.notFound }
            let stored = try await evals.results(userID: user, runID: run.id)
            let judged = try await judge.store.latestVerdicts(userID: user, evalRunID: run.id)
            let policy = try await judge.userSettings(user).overridePolicy
            let (results, applied) = try JudgeOverrides.apply(stored, verdicts: judged?.verdicts ?? [:], policy: policy)
            var json = try Self.evalJSON(run).objectValue!
            json["results"] = .array(try results.map { result in
                var row = try result.json
                if let verdict = judged?.verdicts[result.id] { row["judge"] = try verdict.decodedVerdict() }
                if let original = applied[result.id] { row["automatic_score"] = .double(original) }
                return .object(row)
            })
            json["models"] = .array(try EvalSummary.compute(results))  // the same function as the live summaries
            json["judge_report_id"] = judged.map { .string($0.report.id) } ?? .null
            json["override_policy"] = .string(policy)
            json["overrides_applied"] = .int(Int64(applied.count))
            return Response.json(.object(json))
        }
    }

    private func create(_ context: AuthenticatedContext, _ contents: SuiteContents) async throws -> JSONValue {
        guard contents.cases.count <= SuiteDocument.maxCases else {
            throw APIError(.contentTooLarge, "too_many_cases",
                           "cases: a suite holds at most \(SuiteDocument.maxCases) cases; this one has \(contents.cases.count): split it into several suites")
        }
        let suite: SuiteRecord
        do { suite = try await suites.create(userID: context.identity.userID, contents) } catch let failure as SuiteStore.Failure {
            throw APIError(.conflict, "duplicate_case", "cases: \(failure.description)")
        }
        try await audit.record(userID: context.identity.userID, email: nil, action: "suite.create", target: suite.id, ip: context.clientIP)
        return Self.suiteJSON(suite).merging(["cases": .int(Int64(contents.cases.count)), "tools": .int(Int64(contents.tools.count))])
    }

    /// One case against its suite's tools, by the same rule as a whole suite: each expected
    /// call names an offered tool (the error names the case's own field).
    private func checkCase(_ body: JSONValue, _ context: AuthenticatedContext) async throws {
        let user = context.identity.userID, id = try context.parameters.require("id")
        guard try await suites.find(userID: user, id: id) != nil else { throw APIError.notFound }
        let tools = try await suites.decodedTools(userID: user, suiteID: id)
        do { _ = try SuiteDocument.contents(["name": "check", "tools": .array(tools), "cases": [body]]) } catch let error as FieldError {
            throw FieldError.invalid(error.field.hasPrefix("cases[0].") ? String(error.field.dropFirst("cases[0].".count)) : error.field, error.message)
        }
    }

    private func full(_ context: AuthenticatedContext) async throws -> JSONValue {
        let user = context.identity.userID
        guard let suite = try await suites.find(userID: user, id: try context.parameters.require("id")) else { throw APIError.notFound }
        let tools = try await suites.decodedTools(userID: user, suiteID: suite.id)
        let cases = try await suites.cases(userID: user, suiteID: suite.id)
        return Self.suiteJSON(suite).merging(["tools": .array(tools), "cases": .array(try cases.map(Self.caseJSON))])
    }

    static func suiteJSON(_ s: SuiteRecord) -> JSONValue {
        ["id": .string(s.id), "name": .string(s.name), "description": .string(s.description), "system_prompt": .string(s.systemPrompt),
         "created_at": .string(ISO8601.string(fromMilliseconds: s.createdAt)), "updated_at": .string(ISO8601.string(fromMilliseconds: s.updatedAt))]
    }

    static func caseJSON(_ c: CaseRecord) throws -> JSONValue {
        ["case_id": .string(c.id), "id": .string(c.caseKey), "category": c.category.map(JSONValue.string) ?? .null, "scorer": .string(c.scorer),
         "body": try c.decodedBody()]
    }

    static func evalJSON(_ r: EvalRunRecord) throws -> JSONValue {
        ["id": .string(r.id), "suite_id": r.suiteID.map(JSONValue.string) ?? .null, "job_id": r.jobID.map(JSONValue.string) ?? .null,
         "status": .string(r.status), "request": try r.decodedRequest(),
         "started_at": .string(ISO8601.string(fromMilliseconds: r.startedAt)),
         "finished_at": r.finishedAt.map { .string(ISO8601.string(fromMilliseconds: $0)) } ?? .null,
         "summary": try r.decodedSummary()]
    }
}
