import Foundation
import HTTPTypes
import HostAuth
import HostHTTP
import HostJobs
import HostStorage
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import StudioJSON
import Testing

/// Tests generated from the route table: a route added to the server is covered here
/// without anyone remembering to add it (ownership, access, bad input, OpenAPI).
@Suite struct APIContractTests {
    /// Three accounts: root (the first, admin), alice (owns things), bob (tries to reach them).
    struct Cast {
        let root: String
        let alice: String
        let bob: String
        /// A resource of alice's for each owned kind, by kind.
        var owned: [String: String] = [:]
    }

    /// Creates one of alice's resources for each kind of owned resource the routes name.
    /// A new kind without a factory here fails the test, by design.
    static func makeCast(_ client: some TestClientProtocol, _ studio: TestStudio) async throws -> Cast {
        let root = try await client.register("root@example.com")
        var cast = Cast(root: root, alice: try await client.register("alice@example.com"), bob: try await client.register("bob@example.com"))
        let provider = try await client.call(.post, "/api/providers", token: cast.alice,
                                             json: ["slug": "alice-openai", "plugin_id": "openai", "base_url": "https://93.184.216.34/v1"])
        #expect(provider.status == .created, "\(provider.body)")
        let providerID = try #require(provider.body["id"]?.stringValue)
        let model = try await client.call(.post, "/api/providers/\(providerID)/models", token: cast.alice, json: ["model_id": "gpt-alice"])
        #expect(model.status == .created, "\(model.body)")
        let token = try await client.call(.post, "/api/auth/cli-tokens", token: cast.alice, json: ["name": "alice laptop"])
        let key = try await client.call(.put, "/api/keys/alice-openai", token: cast.alice, json: ["api_key": "sk-alice-secret-1234"])
        #expect(key.status == .ok)
        // No runner in these tests: the job stays queued.
        let job = try await client.call(.post, "/api/benchmarks", token: cast.alice,
                                        json: ["targets": [["provider": "alice-openai", "model": "gpt-alice"]], "queue": true])
        #expect(job.status == .accepted, "\(job.body)")
        let aliceID = try #require(try await studio.services.accounts.users.find(email: "alice@example.com")).id
        let run = try await studio.services.runStore.createRun(userID: aliceID, jobID: nil, request: "{}")
        let schedule = try await client.call(.post, "/api/schedules", token: cast.alice, json: [
            "name": "nightly", "kind": "benchmark", "cron": "0 3 * * *",
            "request": ["targets": [["provider": "alice-openai", "model": "gpt-alice"]]]])
        #expect(schedule.status == .created, "\(schedule.body)")
        let suite = try await client.call(.post, "/api/suites", token: cast.alice, json: SuitesControllerExample.suite)
        #expect(suite.status == .created, "\(suite.body)")
        let evalRun = try await studio.services.evals.createRun(userID: aliceID, suiteID: try #require(suite.body["id"]?.stringValue),
                                                                jobID: nil, request: "{}")
        try await studio.services.evals.finishRun(id: evalRun.id, status: "done", summary: nil)
        let report = try await studio.services.judge.store.createReport(userID: aliceID, evalRunID: evalRun.id, mode: "post_eval",
                                                                        judgeModel: "alice-openai/gpt-alice", promptVersion: "v1", jobID: nil)
        let tuningRun = try await studio.services.tuning.createRun(userID: aliceID, jobID: nil, suiteID: try #require(suite.body["id"]?.stringValue),
                                                                   experimentID: nil, kind: "parameters", request: "{}")
        let experiment = try await studio.services.experiments.create(userID: aliceID, name: "e", suiteID: try #require(suite.body["id"]?.stringValue),
                                                                      targets: "[]", baseline: "{}")
        let profile = try await studio.services.providers.profiles.create(userID: aliceID, provider: "alice-openai", model: "gpt-alice", name: "p",
                                                                          params: "{}", systemPrompt: nil, source: "manual")
        let prompt = PromptRecord(name: "p", text: "t", labels: "[]", source: "manual")
        try await studio.services.library.add(userID: aliceID, [prompt])
        cast.owned = ["provider": providerID, "model": try #require(model.body["id"]?.stringValue),
                      "cli_token": try #require(token.body["id"]?.stringValue), "key": "alice-openai",
                      "job": try #require(job.body["job_id"]?.stringValue), "run": run.id,
                      "schedule": try #require(schedule.body["id"]?.stringValue),
                      "suite": try #require(suite.body["id"]?.stringValue), "eval": evalRun.id,
                      "judge_report": report.id, "tuning run": tuningRun.id,
                      "experiment": experiment.id, "profile": profile.id, "prompt": prompt.id]
        return cast
    }

    /// The path with its parameter filled.
    static func fill(_ path: String, _ value: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix("{") ? value : String($0) }.joined(separator: "/")
    }

    /// What alice owns, as she sees it (must not change whatever bob does).
    static func aliceView(_ client: some TestClientProtocol, _ cast: Cast) async throws -> String {
        let providers = try await client.call(.get, "/api/providers", token: cast.alice).body
        let keys = try await client.call(.get, "/api/keys", token: cast.alice).body
        let tokens = try await client.call(.get, "/api/auth/cli-tokens", token: cast.alice).body
        let jobs = try await client.call(.get, "/api/jobs", token: cast.alice).body
        let runs = try await client.call(.get, "/api/runs", token: cast.alice).body
        let schedules = try await client.call(.get, "/api/schedules", token: cast.alice).body
        let suites = try await client.call(.get, "/api/suites", token: cast.alice).body
        let evals = try await client.call(.get, "/api/evals", token: cast.alice).body
        let reports = try await client.call(.get, "/api/judge-reports", token: cast.alice).body
        let judge = try await client.call(.get, "/api/settings/judge", token: cast.alice).body
        let tuning = try await client.call(.get, "/api/tuning", token: cast.alice).body
        let experiments = try await client.call(.get, "/api/experiments", token: cast.alice).body
        let profiles = try await client.call(.get, "/api/profiles", token: cast.alice).body
        let prompts = try await client.call(.get, "/api/prompts", token: cast.alice).body
        return tuning.jsonString + experiments.jsonString + profiles.jsonString + prompts.jsonString + providers.jsonString + keys.jsonString + tokens.jsonString + jobs.jsonString + runs.jsonString + schedules.jsonString
            + suites.jsonString + evals.jsonString + reports.jsonString + judge.jsonString
    }

    @Test(arguments: TestDatabase.allCases)
    func ownershipAndAccessMatrix(kind: TestDatabase) async throws {
        let studio = try await TestStudio.make(kind)
        let specs = studio.routes.specs
        try await studio.app.test(.router) { client in
            let cast = try await Self.makeCast(client, studio)
            let before = try await Self.aliceView(client, cast)
            var checked = 0
            for spec in specs {
                let hasParameter = spec.path.contains("{")
                // Every user route with a path parameter must say what it names.
                if spec.access == .user && hasParameter {
                    #expect(spec.owned != nil, "\(spec.method) \(spec.path) has a path parameter but declares no owned resource kind")
                }
                let value = spec.owned.flatMap { cast.owned[$0] } ?? "0123456789abcdef0123456789abcdef"
                if let kind = spec.owned { #expect(cast.owned[kind] != nil, "no factory for owned kind \(kind): add one to makeCast") }
                let uri = Self.fill(spec.path, value)
                let body = spec.body?.example
                switch spec.access {
                case .public:
                    continue
                case .user:
                    let anonymous = try await client.call(spec.method, uri, token: nil, json: body)
                    #expect(anonymous.status == .unauthorized, "\(spec.method) \(spec.path) without a token: \(anonymous.status)")
                    let forged = try await client.call(spec.method, uri, token: "eyJhbGciOiJIUzI1NiJ9.e30.forged", json: body)
                    #expect(forged.status == .unauthorized, "\(spec.method) \(spec.path) with a forged token")
                    if spec.owned != nil && !(spec.method == .put && spec.owned == "key") {
                        // bob names alice's resource: it does not exist for him.
                        let attempt = try await client.call(spec.method, uri, token: cast.bob, json: body)
                        #expect(attempt.status == .notFound, "\(spec.method) \(spec.path) as another user: \(attempt.status) \(attempt.body)")
                        #expect(attempt.body["error"]?["code"] == "not_found")
                    }
                case .admin:
                    let attempt = try await client.call(spec.method, uri, token: cast.bob, json: body)
                    #expect(attempt.status == .forbidden, "\(spec.method) \(spec.path) as a non-admin: \(attempt.status)")
                    #expect(try await client.call(spec.method, uri, token: nil, json: body).status == .unauthorized)
                }
                checked += 1
            }
            #expect(checked >= 20)
            // Keys name the caller's own providers: bob cannot store one under alice's, and hers is untouched.
            #expect(try await client.call(.put, "/api/keys/alice-openai", token: cast.bob, json: ["api_key": "sk-bob-secret-9999"]).status == .notFound)
            let aliceID = try #require(try await studio.services.accounts.users.find(email: "alice@example.com")).id
            let alice = try #require(try await studio.services.providers.provider(userID: aliceID, slug: "alice-openai"))
            #expect(try await studio.services.vault.key(userID: aliceID, providerID: "alice-openai",
                                                        endpoint: KeyVault.Endpoint(plugin: alice.pluginID, baseURL: alice.baseURL)) == "sk-alice-secret-1234")
            let after = try await Self.aliceView(client, cast)
            #expect(before == after, "another user's attempts changed alice's resources")
        }
        await studio.close()
    }

    /// Rows a bad request must not add or change.
    static func snapshot(_ database: StudioDatabase) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in ["users", "providers", "models", "user_api_keys", "cli_tokens", "user_settings", "refresh_tokens", "jobs",
                      "benchmark_runs", "schedules", "schedule_firings",
                      "tool_suites", "tool_test_cases", "tool_definitions", "tool_eval_runs", "judge_reports", "judge_verdicts"] {
            counts[table] = try await database.withSQL { db in
                try await db.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decodingColumn: "n", as: Int.self) ?? 0
            }
        }
        counts["providers.updated"] = try await database.withSQL { db in
            try await db.raw("SELECT COALESCE(MAX(updated_at), 0) AS n FROM providers").first(decodingColumn: "n", as: Int.self) ?? 0
        }
        return counts
    }

    /// A value of another JSON type than `value`.
    static func wrongType(for value: JSONValue) -> JSONValue {
        switch value {
        case .string: return 12345
        case .int, .double: return "not a number"
        case .bool: return "yes"
        case .array: return ["not": "an array"]
        case .object: return "not an object"
        case .null: return ["unexpected": true]
        }
    }

    @Test(arguments: TestDatabase.allCases)
    func badInputOnEveryRouteIsRefusedAndStoresNothing(kind: TestDatabase) async throws {
        let studio = try await TestStudio.make(kind)
        let specs = studio.routes.specs.filter { $0.body != nil }
        #expect(specs.count >= 10)
        try await studio.app.test(.router) { client in
            let cast = try await Self.makeCast(client, studio)
            let before = try await Self.snapshot(studio.database)
            for spec in specs {
                let body = try #require(spec.body)
                let token: String? = spec.access == .admin ? cast.root : spec.access == .user ? cast.alice : nil
                let value = spec.owned.flatMap { cast.owned[$0] } ?? cast.owned["provider"]!
                let uri = Self.fill(spec.path, value)
                let name = "\(spec.method) \(spec.path)"

                let malformed = try await client.call(spec.method, uri, token: token, raw: "{\"oops\": ")
                #expect(malformed.status == .badRequest && malformed.body["error"]?["code"] == "malformed_json", "\(name) malformed: \(malformed.body)")
                let notObject = try await client.call(spec.method, uri, token: token, raw: "[1, 2]")
                #expect(notObject.status == .badRequest, "\(name) array body")
                let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
                let tooDeep = try await client.call(spec.method, uri, token: token, raw: "{\"x\": \(deep)}")
                #expect(tooDeep.status == .badRequest, "\(name) deep body")
                let huge = try await client.call(spec.method, uri, token: token,
                                                 raw: "{\"x\": \"" + String(repeating: "a", count: body.limit + 1) + "\"}")
                #expect(huge.status == .contentTooLarge, "\(name) oversized: \(huge.status)")

                var unknown = body.example.objectValue ?? [:]
                unknown["surprise_field"] = 1
                let extra = try await client.call(spec.method, uri, token: token, json: .object(unknown))
                #expect(extra.status == .badRequest, "\(name) unknown field: \(extra.status)")
                #expect(extra.body["error"]?["message"]?.stringValue?.contains("surprise_field") == true, "\(name): \(extra.body)")

                for (field, sample) in body.example.objectValue ?? [:] {
                    var wrong = body.example.objectValue ?? [:]
                    wrong[field] = Self.wrongType(for: sample)
                    let response = try await client.call(spec.method, uri, token: token, json: .object(wrong))
                    #expect(response.status == .badRequest, "\(name) wrong type for \(field): \(response.status)")
                    #expect(response.body["error"]?["message"]?.stringValue?.hasPrefix(field) == true,
                            "\(name): the error names \(field): \(response.body)")
                }
                for field in body.schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                    var missing = body.example.objectValue ?? [:]
                    missing[field] = nil
                    let response = try await client.call(spec.method, uri, token: token, json: .object(missing))
                    #expect(response.status == .badRequest, "\(name) without \(field)")
                    #expect(response.body["error"]?["code"]?.stringValue == "invalid_\(field)", "\(name): \(response.body)")
                }
            }
            #expect(try await Self.snapshot(studio.database) == before, "a refused request changed stored data")
        }
        await studio.close()
    }

    @Test func openAPIDocumentListsEveryRoute() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let document = try await client.call(.get, "/api/openapi.json", token: nil).body
            #expect(document["openapi"] == "3.1.0")
            let paths = try #require(document["paths"]?.objectValue)
            var operations = 0
            for (_, item) in paths { operations += item.objectValue?.count ?? 0 }
            #expect(operations == studio.routes.specs.count)
            for spec in studio.routes.specs {
                let operation = paths[spec.path]?[spec.method.rawValue.lowercased()]
                #expect(operation != nil, "\(spec.method) \(spec.path) missing from the document")
                if spec.access != .public { #expect(operation?["security"] != nil, "\(spec.path) must say it needs a token") }
                if let body = spec.body {
                    let example = operation?["requestBody"]?["content"]?["application/json"]?["example"]
                    #expect(example == body.example)
                    // The example documented is one the server accepts.
                    #expect(JSONSchema(body.schema).validate(body.example).isEmpty, "\(spec.path) example violates its schema")
                }
            }
            // docs/api.md routes of this issue are all there.
            for path in ["/api/auth/register", "/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/auth/me",
                         "/api/auth/password", "/api/auth/cli-tokens", "/api/auth/cli-tokens/{id}", "/api/keys", "/api/keys/{provider_id}",
                         "/api/providers", "/api/providers/{id}", "/api/providers/{id}/models", "/api/models/{id}",
                         "/api/params/registry", "/api/params/validate", "/api/settings/export", "/api/settings/import",
                         "/api/plugins", "/api/admin/users", "/api/admin/users/{id}", "/api/admin/audit", "/api/admin/system",
                         "/healthz", "/metrics", "/api/openapi.json"] {
                #expect(paths[path] != nil, "\(path) missing")
            }
        }
        await studio.close()
    }

    /// Routes are registered only through the route table (so the document and the
    /// generated tests see them all).
    @Test func noRouteBypassesTheTable() throws {
        let folder = TestSupport.packageRoot.appendingPathComponent("Sources/Host/HTTP")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file != "RouteTable.swift" {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for pattern in ["router.get(", "router.post(", "router.put(", "router.delete(", "router.on(", "router.group("] {
                #expect(!text.contains(pattern), "\(file) registers a route with \(pattern) outside the route table")
            }
        }
    }

    @Test func corsIsOffUnlessOriginsAreListed() async throws {
        let closed = try await TestStudio.make(.sqlite)
        try await closed.app.test(.router) { client in
            let r = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://app.example"])
            #expect(r.headers[.accessControlAllowOrigin] == nil)
        }
        await closed.close()
        let open = try await TestStudio.make(.sqlite, options: .init(corsOrigins: ["https://app.example"]))
        try await open.app.test(.router) { client in
            let preflight = try await client.execute(uri: "/api/providers", method: .options,
                                                     headers: [.origin: "https://app.example", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example")
            let listed = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://app.example"])
            #expect(listed.headers[.accessControlAllowOrigin] == "https://app.example")
            let other = try await client.execute(uri: "/healthz", method: .get, headers: [.origin: "https://evil.example"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
            // Errors carry the security headers too.
            let error = try await client.execute(uri: "/api/providers", method: .get)
            #expect(error.status == .unauthorized && error.headers[.contentSecurityPolicy] != nil)
        }
        await open.close()
    }
}

/// A suite alice owns in the generated tests (its tool is the one her model offers).
enum SuitesControllerExample {
    static let suite: JSONValue = [
        "name": "alice's suite",
        "tools": [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]]],
        "cases": [["id": "c1", "prompt": "Weather in Paris?", "expected_calls": [["name": "get_weather"]]]],
    ]
}
