import Foundation
import HTTPTypes
import HostHTTP
import HostSimulator
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// Tuning runs over the API (docs/tuning.md) against the simulator's known surface over
/// real HTTP: the optimum found and confirmed against the baseline, the budget kept,
/// cancel and resume giving the trials an uninterrupted run gives, refusals naming fields,
/// other users' runs out of reach.
@Suite(.serialized) struct TuningHTTPTests {
    static let model = "sim-ttft1-gap1-toolssurface"

    static func suite(cases: Int) -> JSONValue {
        var suite = EvalHTTPTests.suite.objectValue!
        suite["cases"] = .array((0..<cases).map { i in
            ["id": .string("w\(i)"), "prompt": .string("Please call get_weather for City\(i)"), "expected_calls": [["name": "get_weather"]]]
        })
        return .object(suite)
    }

    static func tune(_ suiteID: String, _ extra: JSONObject = [:]) -> JSONValue {
        var body: JSONObject = ["suite_id": .string(suiteID), "target": ["provider": "sim-openai", "model": .string(model)],
                                "space": ["temperature": ["min": 0, "max": 1.5, "step": 0.05], "top_p": ["min": 0.5, "max": 1, "step": 0.05]],
                                "strategy": "tpe", "seed": 3, "trials": 24, "baseline": ["params": ["temperature": 1, "top_p": 1]]]
        for (k, v) in extra { body[k] = v }
        return .object(body)
    }

    static func follow(_ client: some TestClientProtocol, _ token: String, _ job: String) async throws -> [SSEFrame] {
        SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(job)/events", method: .get,
                                                         headers: [.authorization: "Bearer \(token)"]).body))
    }

    @Test func aTuningRunFindsTheOptimumAndConfirmsItAgainstTheBaseline() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: ada, json: Self.suite(cases: 30)).body["id"]?.stringValue)
            try await JobsHTTPTests.addSimulatorModel(client, ada, Self.model)
            let estimate = try await client.call(.post, "/api/tuning/estimate", token: ada, json: Self.tune(suiteID))
            #expect(estimate.status == .ok && estimate.body["estimate"]?["calls_worst"] == .int(24 * 30 + 2 * 30), "\(estimate.body)")
            let submitted = try await client.call(.post, "/api/tuning", token: ada, json: Self.tune(suiteID))
            #expect(submitted.status == .accepted, "\(submitted.body)")
            let events = try await Self.follow(client, ada, try #require(submitted.body["job_id"]?.stringValue))
            #expect(events.last?.event == "complete", "\(events.map(\.event))")
            let trials = events.filter { $0.event == "trial" }
            #expect(trials.count == 24)
            let summary = try #require(events.last?.data["summary"])
            let best = try #require(summary["best"]?["score"]?.doubleValue)
            #expect(best >= 0.8, "best \(best): \(summary)")
            // The claim comes from a fresh run of the best and the baseline, paired by case.
            let confirmation = try #require(summary["confirmation"])
            #expect(confirmation["comparison"]?["verdict"] == "better", "\(confirmation)")
            #expect((confirmation["baseline"]?["score"]?.doubleValue ?? 1) < 0.5, "\(confirmation)")
            #expect(summary["best_so_far"]?.arrayValue?.count == 24 && summary["pareto"]?.arrayValue?.isEmpty == false)
            // What was spent is what the trials and the confirmation made, within the budget.
            // Wrong answers are scores, not errors: only failed calls or scorers count as errors.
            #expect(trials.allSatisfy { $0.data["errors"] == 0 }, "\(trials.map { $0.data["errors"] ?? .null })")
            let calls = trials.map { Int($0.data["calls"]?.intValue ?? 0) }.reduce(0, +)
            #expect(summary["spent"]?["calls"] == .int(Int64(calls + 60)), "\(summary["spent"] ?? .null) vs \(calls) + 60")

            let id = try #require(events.last?.data["tuning_id"]?.stringValue)
            let stored = try await client.call(.get, "/api/tuning/\(id)", token: ada).body
            #expect(stored["status"] == "done" && stored["trials"]?.arrayValue?.count == 24)
            #expect(stored["started_at"]?.stringValue.flatMap(ISO8601.milliseconds(from:)) != nil, "times in ISO 8601: \(stored["started_at"] ?? .null)")
            #expect(stored["trials"]?.arrayValue?.map { $0["config"] ?? .null } == trials.map { $0.data["config"] ?? .null })
            let list = try await client.call(.get, "/api/tuning", token: ada).body["tuning_runs"]?.arrayValue ?? []
            #expect(list.map { $0["id"] } == [.string(id)])
            let csv = try await client.execute(uri: "/api/tuning/\(id)/export?format=csv", method: .get, headers: [.authorization: "Bearer \(ada)"])
            let lines = String(buffer: csv.body).split(whereSeparator: \.isNewline)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true && lines.count == 25, "\(lines.count): \(lines.prefix(3))")
            #expect(lines.first?.hasPrefix("trial,temperature,top_p,score") == true, "\(lines.first ?? "")")

            // Another user sees none of it.
            let bob = try await client.register("bob@example.com")
            for (method, path) in [(HTTPRequest.Method.get, "/api/tuning/\(id)"), (.get, "/api/tuning/\(id)/export"),
                                   (.post, "/api/tuning/\(id)/resume"), (.delete, "/api/tuning/\(id)")] {
                #expect(try await client.call(method, path, token: bob).status == .notFound, "\(method) \(path)")
            }
            let theirs = try await client.call(.post, "/api/tuning", token: bob, json: Self.tune(suiteID))
            #expect(theirs.status == .unprocessableContent && theirs.body["error"]?["message"]?.stringValue?.hasPrefix("suite_id: ") == true, "\(theirs.body)")
            // A finished run is not resumed; it is deleted with its trials.
            #expect(try await client.call(.post, "/api/tuning/\(id)/resume", token: ada).status == .conflict)
            #expect(try await client.call(.delete, "/api/tuning/\(id)", token: ada).status == .noContent)
            #expect(try await client.call(.get, "/api/tuning/\(id)", token: ada).status == .notFound)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    @Test func aCancelledRunResumesWithTheTrialsAnUninterruptedRunHas() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: ada, json: Self.suite(cases: 12)).body["id"]?.stringValue)
            try await JobsHTTPTests.addSimulatorModel(client, ada, Self.model)
            let request = Self.tune(suiteID, ["trials": 16, "confirm": false])
            // The whole run, for reference.
            let whole = try await Self.follow(client, ada, try #require(try await client.call(.post, "/api/tuning", token: ada, json: request).body["job_id"]?.stringValue))
            let reference = whole.filter { $0.event == "trial" }.map { $0.data["config"] ?? .null }
            #expect(reference.count == 16)

            // The same run, cancelled after a few trials and resumed.
            let job = try #require(try await client.call(.post, "/api/tuning", token: ada, json: request).body["job_id"]?.stringValue)
            var runID = ""
            try await JobsHTTPTests.waitFor("three trials") {
                let job = try await client.call(.get, "/api/jobs/\(job)", token: ada).body
                runID = job["result_ref"]?["id"]?.stringValue ?? ""
                guard !runID.isEmpty else { return false }
                return (try await client.call(.get, "/api/tuning/\(runID)", token: ada).body["trials"]?.arrayValue?.count ?? 0) >= 3
            }
            #expect(try await client.call(.post, "/api/jobs/\(job)/cancel", token: ada).status == .accepted)
            let first = try await Self.follow(client, ada, job)
            #expect(first.last?.event == "cancelled", "\(first.map(\.event))")
            let stopped = try await client.call(.get, "/api/tuning/\(runID)", token: ada).body
            #expect(stopped["status"] == "cancelled")
            let kept = stopped["trials"]?.arrayValue?.count ?? 0
            #expect(kept >= 3 && kept < 16)

            let resumed = try await client.call(.post, "/api/tuning/\(runID)/resume", token: ada)
            #expect(resumed.status == .accepted && resumed.body["trials_done"] == .int(Int64(kept)), "\(resumed.body)")
            let rest = try await Self.follow(client, ada, try #require(resumed.body["job_id"]?.stringValue))
            #expect(rest.last?.event == "complete", "\(rest.map(\.event))")
            #expect(rest.first { $0.event == "tuning" }?.data["resumed_after"] == .int(Int64(kept)))
            let final = try await client.call(.get, "/api/tuning/\(runID)", token: ada).body
            #expect(final["status"] == "done")
            // The calls of the trial cut short by the cancel still count against the budget.
            let keptCalls = (stopped["trials"]?.arrayValue ?? []).map { Int($0["calls"]?.intValue ?? 0) }.reduce(0, +)
            let partial = Int(stopped["summary"]?["spent"]?["calls"]?.intValue ?? 0) - keptCalls
            let allCalls = (final["trials"]?.arrayValue ?? []).map { Int($0["calls"]?.intValue ?? 0) }.reduce(0, +)
            #expect(partial >= 0 && final["summary"]?["spent"]?["calls"] == .int(Int64(allCalls + partial)),
                    "partial \(partial), trials \(allCalls), spent \(final["summary"]?["spent"] ?? .null)")
            #expect(final["trials"]?.arrayValue?.map { $0["trial"] ?? .null } == (1...16).map { .int(Int64($0)) })
            #expect(final["trials"]?.arrayValue?.map { $0["config"] ?? .null } == reference)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    @Test func badRequestsAreRefusedNamingTheFieldAndTheBudgetIsKept() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: ada, json: Self.suite(cases: 10)).body["id"]?.stringValue)
            try await JobsHTTPTests.addSimulatorModel(client, ada, Self.model)
            let refusals: [(JSONObject, HTTPResponse.Status, String)] = [
                (["space": [:]], .badRequest, "space"),
                (["space": ["temperature": ["min": 1, "max": 0]]], .badRequest, "space.temperature"),
                (["space": ["temperature": ["min": 0, "max": 1, "step": 0]]], .badRequest, "space.temperature.step"),
                (["space": ["temperature": ["min": 0, "max": 1]], "strategy": "grid"], .badRequest, "strategy"),
                (["space": ["tool_choice": ["values": ["auto", "sometimes"]]]], .badRequest, "space.tool_choice"),
                (["trials": 100_000], .badRequest, "trials"),
                (["budget": ["max_calls": 15]], .unprocessableContent, "budget.max_calls"),
                (["budget": ["max_cost_usd": 1]], .unprocessableContent, "budget.max_cost_usd"),  // no prices: spending cannot be counted
                (["space": ["temperature": ["values": [0.5, "hot"]]]], .unprocessableContent, "space.temperature"),
                (["suite_id": "nope"], .unprocessableContent, "suite_id"),
                (["target": ["provider": "sim-openai", "model": "not-added"]], .unprocessableContent, "target"),
            ]
            for (extra, status, field) in refusals {
                let answer = try await client.call(.post, "/api/tuning", token: ada, json: Self.tune(suiteID, extra))
                #expect(answer.status == status && answer.body["error"]?["message"]?.stringValue?.hasPrefix("\(field): ") == true,
                        "\(extra): \(answer.status) \(answer.body)")
            }
            #expect((try await client.call(.get, "/api/jobs", token: ada).body["jobs"]?.arrayValue ?? []).isEmpty, "nothing was queued")
            // Values the provider's rules would clamp are accepted and said (as an eval's are).
            let clamped = try await client.call(.post, "/api/tuning/estimate", token: ada, json: Self.tune(suiteID, [
                "space": ["top_p": ["min": 0.5, "max": 7, "step": 0.5]]]))
            #expect(clamped.status == .ok && clamped.body["adjustments"]?.arrayValue?.contains { $0["field"] == "space.top_p" && $0["param"] == "top_p" } == true,
                    "\(clamped.body)")

            // A budget of 100 calls on 10 cases: 20 held back for the confirmation, so 8 trials.
            let submitted = try await client.call(.post, "/api/tuning", token: ada, json: Self.tune(suiteID, ["budget": ["max_calls": 100]]))
            #expect(submitted.body["estimate"]?["trials_within_max_calls"] == 8, "\(submitted.body)")
            let events = try await Self.follow(client, ada, try #require(submitted.body["job_id"]?.stringValue))
            let summary = try #require(events.last?.data["summary"])
            #expect(summary["stopped"] == "budget" && summary["trials"] == 8, "\(summary)")
            #expect(summary["spent"]?["calls"] == 100, "\(summary)")
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    /// `studio tune` against a real `studio serve`: trials print as they finish, then the best
    /// and the verdict in words; the estimate alone starts nothing; usage errors exit 2 and
    /// a refusal exits 1 with the server's reason.
    @Test func studioTuneRunsOnTheServerAndSaysTheVerdict() async throws {
        let folder = TestSupport.temporaryDirectory("tune-cli")
        let environment = SecretsEndToEndTests.serveEnvironment(folder: folder)
        let server = try SecretsEndToEndTests.startServe(folder: folder, environment: environment)
        defer { server.process.terminate(); server.process.waitUntilExit() }
        let access = try #require(try SecretsEndToEndTests.curl(server.base, "POST", "/api/auth/register",
                                                                body: #"{"email":"ada@example.com","password":"long enough pass"}"#).json["access_token"]?.stringValue)
        let cli = try #require(try SecretsEndToEndTests.curl(server.base, "POST", "/api/auth/cli-tokens", token: access,
                                                             body: #"{"name":"terminal"}"#).json["token"]?.stringValue)
        let suiteID = try #require(try SecretsEndToEndTests.curl(server.base, "POST", "/api/suites", token: access,
                                                                 body: Self.suite(cases: 16).jsonString).json["id"]?.stringValue)
        let providers = try SecretsEndToEndTests.curl(server.base, "GET", "/api/providers", token: access).json["providers"]?.arrayValue ?? []
        let sim = try #require(providers.first { $0["slug"] == "sim-openai" }?["id"]?.stringValue)
        _ = try SecretsEndToEndTests.curl(server.base, "POST", "/api/providers/\(sim)/models", token: access, body: #"{"model_id":"\#(Self.model)"}"#)
        let studio = TestSupport.studioExecutable
        let common = ["tune", "--server", server.base, "--token", cli, "--suite", suiteID, "--model", "sim-openai/\(Self.model)",
                      "--space", "temperature=0:1.5:0.05", "--space", "top_p=0.5:1:0.05", "--baseline", "temperature=1", "--baseline", "top_p=1"]

        let estimate = try TestSupport.run(studio, common + ["--trials", "20", "--estimate"])
        #expect(estimate.status == 0 && estimate.stdout.contains("at most \(20 * 16 + 2 * 16)"), "\(estimate.stdout) \(estimate.stderr)")
        #expect((try SecretsEndToEndTests.curl(server.base, "GET", "/api/tuning", token: access).json["tuning_runs"]?.arrayValue ?? []).isEmpty)

        let tuned = try TestSupport.run(studio, common + ["--trials", "20", "--seed", "3"])
        #expect(tuned.status == 0, "\(tuned.stderr)")
        #expect(tuned.stderr.contains("[20/20] ") && tuned.stderr.contains("temperature="), "\(tuned.stderr)")
        #expect(tuned.stdout.contains("best: trial ") && tuned.stdout.contains("): better"), "\(tuned.stdout)")
        #expect(tuned.stdout.contains("every trial ran after 20 trials"), "\(tuned.stdout)")

        // The system prompt, tuned by the simulator's writer over two generations.
        _ = try SecretsEndToEndTests.curl(server.base, "POST", "/api/providers/\(sim)/models", token: access, body: #"{"model_id":"sim-ttft1-gap1-promptwriter"}"#)
        let prompts = try TestSupport.run(studio, ["tune", "--server", server.base, "--token", cli, "--suite", suiteID, "--model", "sim-openai/\(Self.model)",
                                                   "--writer", "sim-openai/sim-ttft1-gap1-promptwriter", "--mode", "evolutionary", "--population", "3",
                                                   "--generations", "2", "--baseline", "temperature=0.6", "--baseline", "top_p=0.9", "--label", "cli"])
        #expect(prompts.status == 0 && prompts.stdout.contains("the best prompt is in your prompt library: "), "\(prompts.stdout) \(prompts.stderr)")
        #expect(prompts.stderr.contains("generation 2"), "\(prompts.stderr)")
        #expect(try TestSupport.run(studio, common + ["--writer", "sim-openai/x"]).status == 2, "--space and --writer do not go together")

        #expect(try TestSupport.run(studio, ["tune", "--server", server.base, "--token", cli, "--suite", suiteID]).status == 2)
        #expect(try TestSupport.run(studio, common + ["--space", "top_p=x:y"]).status == 2)
        let refused = try TestSupport.run(studio, common + ["--max-calls", "5"])
        #expect(refused.status == 1 && refused.stderr.contains("budget.max_calls"), "\(refused.stderr)")
    }
}
