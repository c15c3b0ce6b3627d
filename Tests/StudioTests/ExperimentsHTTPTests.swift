import Foundation
import HTTPTypes
import HostHTTP
import HostSimulator
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// Experiments over the API (docs/tuning.md, "Experiments") on the simulator's surface:
/// the timeline of evals and tuning runs with deltas from the baseline and their intervals,
/// the best run again, a new baseline pinned, other users kept out.
@Suite(.serialized) struct ExperimentsHTTPTests {
    @Test func anExperimentsTimelineMeasuresEveryRunAgainstItsBaseline() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: ada, json: TuningHTTPTests.suite(cases: 24)).body["id"]?.stringValue)
            let otherSuite = try #require(try await client.call(.post, "/api/suites", token: ada, json: TuningHTTPTests.suite(cases: 2)).body["id"]?.stringValue)
            try await JobsHTTPTests.addSimulatorModel(client, ada, TuningHTTPTests.model)
            let target: JSONValue = [["provider": "sim-openai", "model": .string(TuningHTTPTests.model)]]
            func wait(_ answer: (status: HTTPResponse.Status, body: JSONValue, response: TestResponse)) async throws -> [SSEFrame] {
                #expect(answer.status == .accepted, "\(answer.body)")
                return try await TuningHTTPTests.follow(client, ada, try #require(answer.body["job_id"]?.stringValue))
            }

            // Refusals name the field; nothing is created.
            for (body, field) in [(["name": "x", "suite_id": "nope", "targets": target] as JSONValue, "suite_id"),
                                  (["name": "x", "suite_id": .string(suiteID), "targets": [["provider": "sim-openai", "model": "absent"]]], "targets[0]"),
                                  (["name": "x", "suite_id": .string(suiteID), "targets": target, "baseline": ["params": ["top_p": "wide"]]], "baseline.params")] {
                let answer = try await client.call(.post, "/api/experiments", token: ada, json: body)
                #expect(answer.status == .unprocessableContent && answer.body["error"]?["message"]?.stringValue?.hasPrefix(field) == true, "\(answer.body)")
            }
            let created = try await client.call(.post, "/api/experiments", token: ada, json: [
                "name": "weather", "suite_id": .string(suiteID), "targets": target, "baseline": ["params": ["temperature": 1, "top_p": 1]]])
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.body["id"]?.stringValue)

            // The baseline, run from the experiment: its timeline's first entry, the baseline.
            _ = try await wait(try await client.call(.post, "/api/experiments/\(id)/run", token: ada, json: ["config": "baseline"]))
            // An eval at the surface's optimum, linked by its request.
            let optimum = try await wait(try await client.call(.post, "/api/evals", token: ada, json: [
                "suite_id": .string(suiteID), "targets": target, "params": ["temperature": 0.35, "top_p": 0.8], "experiment_id": .string(id)]))
            let optimumEval = try #require(optimum.last?.data["eval_id"]?.stringValue)
            // A tuning run on it takes the experiment's baseline.
            var tuneBody = TuningHTTPTests.tune(suiteID, ["experiment_id": .string(id), "trials": 8]).objectValue!
            tuneBody["baseline"] = nil
            let tuned = try await wait(try await client.call(.post, "/api/tuning", token: ada, json: .object(tuneBody)))
            #expect(tuned.last?.data["summary"]?["baseline"] == ["temperature": 1, "top_p": 1], "\(tuned.last?.data ?? .null)")

            var experiment = try await client.call(.get, "/api/experiments/\(id)", token: ada).body
            var timeline = experiment["timeline"]?.arrayValue ?? []
            #expect(timeline.map { $0["kind"]?.stringValue ?? "" } == ["eval", "eval", "tuning"], "\(timeline)")
            #expect(timeline[0]["baseline"] == true && timeline[0]["models"]?.arrayValue?.first?["delta"] == .null)
            #expect(timeline[0]["config"] == ["temperature": 1, "top_p": 1])
            let delta = try #require(timeline[1]["models"]?.arrayValue?.first?["delta"])
            #expect(delta["verdict"] == "better" && (delta["ci_low"]?.doubleValue ?? 0) > 0 && delta["cases"] == 24, "\(delta)")
            #expect(timeline[2]["best"]?["config"] != nil && timeline[2]["confirmation"]?["comparison"] != nil)
            let best = try #require(experiment["best"])
            #expect((best["score"]?.doubleValue ?? 0) >= 0.7, "\(best)")

            // The best again, as an eval on the timeline.
            let again = try await client.call(.post, "/api/experiments/\(id)/run", token: ada, json: ["config": "best"])
            #expect(again.body["config"] == best["config"], "\(again.body)")
            _ = try await wait(again)
            // Pin the optimum eval as the baseline: the old baseline is now measured against it, worse.
            let pinned = try await client.call(.post, "/api/experiments/\(id)/baseline", token: ada, json: ["eval_id": .string(optimumEval)])
            #expect(pinned.status == .ok && pinned.body["baseline_eval_id"] == .string(optimumEval) && pinned.body["baseline"] == ["temperature": 0.35, "top_p": 0.8],
                    "\(pinned.body)")
            experiment = try await client.call(.get, "/api/experiments/\(id)", token: ada).body
            timeline = experiment["timeline"]?.arrayValue ?? []
            #expect(timeline.count == 4 && timeline[1]["baseline"] == true)
            #expect(timeline[0]["models"]?.arrayValue?.first?["delta"]?["verdict"] == "worse", "\(timeline[0])")

            // Wrong links are refused naming the field.
            let wrongSuite = try await client.call(.post, "/api/evals", token: ada, json: [
                "suite_id": .string(otherSuite), "targets": target, "experiment_id": .string(id)])
            #expect(wrongSuite.status == .unprocessableContent && wrongSuite.body["error"]?["message"]?.stringValue?.hasPrefix("experiment_id") == true)
            let notOnIt = try await client.call(.post, "/api/experiments/\(id)/baseline", token: ada, json: ["eval_id": "0123456789abcdef0123456789abcdef"])
            #expect(notOnIt.status == .unprocessableContent)

            // Another user: 404 on every route, and cannot link to it.
            let bob = try await client.register("bob@example.com")
            #expect(try await client.call(.get, "/api/experiments/\(id)", token: bob).status == .notFound)
            #expect(try await client.call(.post, "/api/experiments/\(id)/run", token: bob, json: ["config": "best"]).status == .notFound)
            #expect((try await client.call(.get, "/api/experiments", token: bob).body["experiments"]?.arrayValue ?? []).isEmpty)

            // Pinning a tuning run's best changes what it tuned and keeps the rest of the baseline.
            let withSeed = try await client.call(.put, "/api/experiments/\(id)", token: ada, json: ["baseline": ["params": ["temperature": 9, "top_p": 1, "seed": 3]]])
            #expect(withSeed.status == .ok && withSeed.body["baseline_eval_id"] == .null, "\(withSeed.body)")
            #expect(withSeed.body["adjustments"]?.arrayValue?.contains { $0["param"] == "temperature" } == true, "a clamp is said: \(withSeed.body)")
            let tuningID = try #require(tuned.last?.data["tuning_id"]?.stringValue)
            let fromTuning = try await client.call(.post, "/api/experiments/\(id)/baseline", token: ada, json: ["tuning_id": .string(tuningID)])
            let tunedBest = try #require(tuned.last?.data["summary"]?["best"]?["config"])
            #expect(fromTuning.body["baseline"]?["seed"] == 3 && fromTuning.body["baseline"]?["temperature"] == tunedBest["temperature"]
                    && fromTuning.body["baseline"]?["top_p"] == tunedBest["top_p"], "\(fromTuning.body)")

            // Deleting the experiment keeps its evals, unlinked.
            #expect(try await client.call(.delete, "/api/experiments/\(id)", token: ada).status == .noContent)
            #expect(try await client.call(.get, "/api/evals/\(optimumEval)", token: ada).status == .ok)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    /// A profile saves a configuration of a model; a target naming it runs with its
    /// parameters and system prompt (evals, benchmarks, schedules), an unknown one is refused.
    @Test func aProfileRunsAModelWithItsSavedConfiguration() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: ada, json: TuningHTTPTests.suite(cases: 30)).body["id"]?.stringValue)
            try await JobsHTTPTests.addSimulatorModel(client, ada, TuningHTTPTests.model)
            let model = TuningHTTPTests.model
            let saved = try await client.call(.post, "/api/profiles", token: ada, json: [
                "provider": "sim-openai", "model": .string(model), "name": "tuned",
                "config": ["temperature": 0.35, "top_p": 0.8, "system_prompt": "Call exactly one tool."]])
            #expect(saved.status == .created && saved.body["params"] == ["temperature": 0.35, "top_p": 0.8]
                    && saved.body["system_prompt"] == "Call exactly one tool." && saved.body["source"] == "manual", "\(saved.body)")
            for (body, status, field) in [
                (["provider": "sim-openai", "model": .string(model), "name": "tuned", "config": [:]] as JSONValue, HTTPResponse.Status.conflict, "name"),
                (["provider": "sim-openai", "model": .string(model), "name": "odd", "config": ["top_p": "wide"]], .unprocessableContent, "config"),
                (["provider": "sim-openai", "model": "absent", "name": "x", "config": [:]], .unprocessableContent, "model"),
                (["provider": "sim-openai", "model": .string(model), "name": "x"], .badRequest, "config"),
                (["provider": "sim-openai", "model": .string(model), "name": "x", "from": ["tuning_id": "nope"]], .unprocessableContent, "from.tuning_id"),
            ] {
                let answer = try await client.call(.post, "/api/profiles", token: ada, json: body)
                #expect(answer.status == status && answer.body["error"]?["message"]?.stringValue?.hasPrefix(field) == true, "\(body): \(answer.body)")
            }
            func eval(_ target: JSONValue) async throws -> Double {
                let submitted = try await client.call(.post, "/api/evals", token: ada, json: ["suite_id": .string(suiteID), "targets": [target]])
                #expect(submitted.status == .accepted, "\(submitted.body)")
                let events = try await TuningHTTPTests.follow(client, ada, try #require(submitted.body["job_id"]?.stringValue))
                return events.last?.data["models"]?.arrayValue?.first?["mean_score"]?.doubleValue ?? -1
            }
            let plain = try await eval(["provider": "sim-openai", "model": .string(model)])
            let profiled = try await eval(["provider": "sim-openai", "model": .string(model), "profile": "tuned"])
            #expect(plain < 0.6 && profiled >= 0.8, "without the profile \(plain), with it \(profiled)")
            let unknown = try await client.call(.post, "/api/evals", token: ada, json: [
                "suite_id": .string(suiteID), "targets": [["provider": "sim-openai", "model": .string(model), "profile": "nope"]]])
            #expect(unknown.status == .unprocessableContent && unknown.body["error"]?["message"]?.stringValue?.contains("has no profile") == true, "\(unknown.body)")
            let benchmark = try await client.call(.post, "/api/benchmarks", token: ada, json: [
                "targets": [["provider": "sim-openai", "model": .string(model), "profile": "tuned"]], "runs": 1, "queue": true])
            #expect(benchmark.status == .accepted, "\(benchmark.body)")
            let schedule = try await client.call(.post, "/api/schedules", token: ada, json: [
                "name": "nightly", "kind": "eval", "cron": "0 3 * * *",
                "request": ["suite_id": .string(suiteID), "targets": [["provider": "sim-openai", "model": .string(model), "profile": "nope"]]]])
            #expect(schedule.status == .unprocessableContent, "\(schedule.body)")

            // From a tuning run's best.
            let tuned = try await client.call(.post, "/api/tuning", token: ada, json: TuningHTTPTests.tune(suiteID, ["trials": 6, "confirm": false, "queue": true]))
            let events = try await TuningHTTPTests.follow(client, ada, try #require(tuned.body["job_id"]?.stringValue))
            let runID = try #require(events.last?.data["tuning_id"]?.stringValue)
            let fromRun = try await client.call(.post, "/api/profiles", token: ada, json: [
                "provider": "sim-openai", "model": .string(model), "name": "from tuning", "from": ["tuning_id": .string(runID)]])
            #expect(fromRun.status == .created && fromRun.body["params"] == events.last?.data["summary"]?["best"]?["config"] && fromRun.body["source"] == "tuning",
                    "\(fromRun.body)")

            let bob = try await client.register("bob@example.com")
            let profileID = try #require(saved.body["id"]?.stringValue)
            #expect(try await client.call(.delete, "/api/profiles/\(profileID)", token: bob).status == .notFound)
            #expect((try await client.call(.get, "/api/profiles", token: bob).body["profiles"]?.arrayValue ?? []).isEmpty)
            #expect((try await client.call(.get, "/api/profiles", token: ada).body["profiles"]?.arrayValue ?? []).count == 2)
            #expect(try await client.call(.delete, "/api/profiles/\(profileID)", token: ada).status == .noContent)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }
}
