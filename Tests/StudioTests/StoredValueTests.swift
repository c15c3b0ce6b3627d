import HostHTTP
import HostSimulator
import HostStorage
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import StudioJSON
import Testing

/// JSON columns are decoded once, where a row leaves the database: a value damaged in
/// storage is an error naming the row and the column, never read as empty (a model's
/// parameters silently dropped, a case run with no prompt).
@Suite(.serialized) struct StoredValueTests {
    @Test func damagedStoredJSONIsNamedNotDropped() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            try await JobsHTTPTests.addSimulatorModel(client, ada, "sim-ttft5-gap1-tok8")
            try await JobsHTTPTests.addSimulatorModel(client, ada, "sim-ttft6-gap1-tok8")
            try await studio.database.withSQL { db in
                try await db.raw("UPDATE models SET params = 'not json' WHERE model_id = 'sim-ttft5-gap1-tok8'").run()
            }
            // The damaged model is refused by name; nothing is queued.
            let damaged = try await client.call(.post, "/api/benchmarks", token: ada, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft5-gap1-tok8"]], "runs": 1, "warmup": false])
            #expect(damaged.status == .unprocessableContent, "\(damaged.body)")
            let message = damaged.body["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("model sim-ttft5-gap1-tok8") && message.contains("params") && message.contains("save it again"), "\(message)")
            #expect(try await client.call(.get, "/api/jobs", token: ada).body["jobs"]?.arrayValue?.isEmpty == true)
            // Another model of the same provider is unaffected.
            let fine = try await client.call(.post, "/api/benchmarks", token: ada, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft6-gap1-tok8"]], "runs": 1, "warmup": false])
            #expect(fine.status == .accepted, "\(fine.body)")
            let job = try #require(fine.body["job_id"]?.stringValue)
            _ = try await client.execute(uri: "/api/jobs/\(job)/events", method: .get, headers: [.authorization: "Bearer \(ada)"])

            // Pages that show stored rows name a damaged one too (500, damaged_record) instead of
            // showing the model without its parameters or the run without its request.
            let providers = try await client.call(.get, "/api/providers", token: ada)
            #expect(providers.status == .internalServerError && providers.body["error"]?["code"] == "damaged_record", "\(providers.body)")
            let shown = providers.body["error"]?["message"]?.stringValue ?? ""
            #expect(shown.contains("model sim-ttft5-gap1-tok8") && shown.contains("params"), "\(shown)")
            #expect(try await client.call(.get, "/api/settings/export", token: ada).status == .internalServerError)
            let runID = try #require(try await client.call(.get, "/api/jobs/\(job)", token: ada).body["result_ref"]?["id"]?.stringValue)
            try await studio.database.withSQL { db in
                try await db.raw("UPDATE benchmark_runs SET request = '{' WHERE id = \(bind: runID)").run()
            }
            let run = try await client.call(.get, "/api/runs/\(runID)", token: ada)
            #expect(run.status == .internalServerError && (run.body["error"]?["message"]?.stringValue ?? "").contains("run \(runID)"), "\(run.body)")
            #expect(try await client.call(.get, "/api/runs/\(runID)/export?format=json", token: ada).status == .internalServerError)
            // Saving the model again repairs it; nothing else of the user's was touched.
            let modelID = try #require(try await studio.database.withSQL { db in
                try await db.raw("SELECT id FROM models WHERE model_id = 'sim-ttft5-gap1-tok8'").first()?.decode(column: "id", as: String.self)
            })
            let repaired = try await client.call(.put, "/api/models/\(modelID)", token: ada, json: ["model_id": "sim-ttft5-gap1-tok8", "params": [:]])
            #expect(repaired.status == .ok, "\(repaired.body)")
            let listed = try await client.call(.get, "/api/providers", token: ada)
            let modelIDs = Set((listed.body["providers"]?.arrayValue ?? []).flatMap { $0["models"]?.arrayValue ?? [] }.compactMap { $0["model_id"]?.stringValue })
            #expect(listed.status == .ok && modelIDs.isSuperset(of: ["sim-ttft5-gap1-tok8", "sim-ttft6-gap1-tok8"]), "\(modelIDs)")
            let results = try await client.call(.get, "/api/runs?limit=10", token: ada)
            #expect(results.status == .internalServerError, "a damaged run still fails the list, naming it: \(results.body)")

            // A case damaged in storage fails the eval naming the case, instead of running it empty.
            let suite = try #require(try await client.call(.post, "/api/suites", token: ada, json: EvalHTTPTests.suite).body["id"]?.stringValue)
            try await studio.database.withSQL { db in
                try await db.raw("UPDATE tool_test_cases SET body = '{\"id\":' WHERE case_key = 'time'").run()
            }
            let eval = try await client.call(.post, "/api/evals", token: ada, json: [
                "suite_id": .string(suite), "targets": [["provider": "sim-openai", "model": "sim-ttft6-gap1-tok8"]]])
            #expect(eval.status == .accepted, "\(eval.body)")
            let evalJob = try #require(eval.body["job_id"]?.stringValue)
            let events = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(evalJob)/events", method: .get,
                                                                           headers: [.authorization: "Bearer \(ada)"]).body))
            #expect(events.last?.event == "error", "\(events.map(\.event))")
            let reason = events.last?.data["message"]?.stringValue ?? ""
            #expect(reason.contains("case time") && reason.contains("body"), "\(reason)")
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }
}
