import Foundation
import HTTPTypes
import HostHTTP
import HostSimulator
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// Prompt tuning and the prompt library over the API (docs/tuning.md): the simulator's
/// prompt writer proposes prompts, the evolutionary tuner keeps the best and finds the
/// instruction the tuning surface rewards, the claim is confirmed, the best lands in the
/// library with its source and labels; the library's own routes; refusals naming fields.
@Suite(.serialized) struct PromptTuningHTTPTests {
    static let writer = "sim-ttft1-gap1-promptwriter"

    static func body(_ suiteID: String, _ extra: JSONObject = [:]) -> JSONValue {
        var body: JSONObject = ["suite_id": .string(suiteID), "target": ["provider": "sim-openai", "model": .string(TuningHTTPTests.model)],
                                "writer": ["provider": "sim-openai", "model": .string(writer)], "mode": "evolutionary",
                                "population": 4, "generations": 3, "survivors": 2, "params": ["temperature": 0.6, "top_p": 0.9],
                                "labels": ["weather"]]
        for (k, v) in extra { body[k] = v }
        return .object(body)
    }

    @Test func theEvolutionaryTunerFindsTheInstructionAndSavesItToTheLibrary() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: ada, json: TuningHTTPTests.suite(cases: 40)).body["id"]?.stringValue)
            for model in [TuningHTTPTests.model, Self.writer, "sim-ttft1-gap1-judgemalformed"] { try await JobsHTTPTests.addSimulatorModel(client, ada, model) }

            let estimated = try await client.call(.post, "/api/tuning/prompts/estimate", token: ada, json: Self.body(suiteID))
            #expect(estimated.status == .ok && estimated.body["estimate"]?["writer_calls"] == 3
                    && estimated.body["estimate"]?["calls_worst"] == .int(12 * 40 + 80 + 3), "\(estimated.body)")
            let submitted = try await client.call(.post, "/api/tuning/prompts", token: ada, json: Self.body(suiteID))
            #expect(submitted.status == .accepted && submitted.body["estimate"]?["writer_calls"] == 3, "\(submitted.body)")
            let events = try await TuningHTTPTests.follow(client, ada, try #require(submitted.body["job_id"]?.stringValue))
            #expect(events.last?.event == "complete", "\(events.map(\.event)) \(events.last?.data ?? .null)")
            let trials = events.filter { $0.event == "trial" }.map(\.data)
            #expect(trials.count >= 6 && trials.count <= 12, "\(trials.count)")
            #expect(trials.allSatisfy { $0["config"]?["temperature"] == 0.6 && $0["config"]?["system_prompt"]?.stringValue != nil })
            #expect(trials.contains { $0["note"]?.stringValue?.hasPrefix("generation 3") == true })
            let summary = try #require(events.last?.data["summary"])
            let best = try #require(summary["best"]?["config"]?["system_prompt"]?.stringValue)
            #expect(best.lowercased().contains(ResponseSurface.instruction), "best: \(best)")
            #expect(summary["confirmation"]?["comparison"]?["verdict"] == "better", "\(summary["confirmation"] ?? .null)")
            #expect(summary["baseline"]?["system_prompt"] == TuningHTTPTests.suite(cases: 1)["system_prompt"])
            // The writer's three calls count, beside the trials' and the confirmation's.
            let trialCalls = trials.map { Int($0["calls"]?.intValue ?? 0) }.reduce(0, +)
            #expect(summary["spent"]?["calls"] == .int(Int64(trialCalls + 3 + 80)), "\(summary["spent"] ?? .null)")
            #expect((summary["lineage"]?.arrayValue?.count ?? 0) >= 1)
            #expect(summary["estimate"]?["writer_calls"] == 3 && summary["repeated_prompts"]?.intValue == Int64(12 - trials.count), "\(summary)")

            // The best is in the library: source, labels, score, run.
            let libraryID = try #require(summary["library_id"]?.stringValue)
            let saved = try await client.call(.get, "/api/prompts/\(libraryID)", token: ada).body
            #expect(saved["text"] == .string(best) && saved["source"] == "tuner" && saved["labels"] == ["tuner", "weather"], "\(saved)")
            #expect(saved["tuning_run_id"] == events.last?.data["tuning_id"] && saved["score"]?.doubleValue != nil)

            // Quick mode: one round of candidates, starting from a library prompt.
            var quickBody = Self.body(suiteID, ["mode": "quick", "candidates": 3, "seeds": [.string(libraryID)], "confirm": false]).objectValue!
            for key in ["population", "generations", "survivors"] { quickBody[key] = nil }
            let quick = try await client.call(.post, "/api/tuning/prompts", token: ada, json: .object(quickBody))
            #expect(quick.status == .accepted, "\(quick.body)")
            let quickEvents = try await TuningHTTPTests.follow(client, ada, try #require(quick.body["job_id"]?.stringValue))
            let quickTrials = quickEvents.filter { $0.event == "trial" }.map(\.data)
            #expect(quickTrials.first?["note"]?.stringValue?.contains("from the library") == true && quickTrials.count <= 4, "\(quickTrials)")

            // A writer whose answer is not the JSON asked for: the run fails saying so.
            let malformed = try await client.call(.post, "/api/tuning/prompts", token: ada, json: Self.body(suiteID, [
                "writer": ["provider": "sim-openai", "model": "sim-ttft1-gap1-judgemalformed"]]))
            let failed = try await TuningHTTPTests.follow(client, ada, try #require(malformed.body["job_id"]?.stringValue))
            #expect(failed.contains { $0.event == "error" && ($0.data["message"]?.stringValue ?? "").contains("could not be used") }, "\(failed.map(\.data))")
            let writerError = try #require(failed.first { $0.event == "writer_error" }?.data)
            #expect(writerError["generation"] == 1 && writerError["code"] == "malformed" && writerError["detail"]?.stringValue != nil, "\(writerError)")

            // Refusals name the field; nothing is queued for them.
            let before = (try await client.call(.get, "/api/jobs", token: ada).body["jobs"]?.arrayValue ?? []).count
            for (extra, status, field) in [
                (["writer": ["provider": "sim-openai", "model": "absent"]] as JSONObject, HTTPResponse.Status.unprocessableContent, "writer"),
                (["params": ["system_prompt": "x"]], .badRequest, "params.system_prompt"),
                (["survivors": 4], .badRequest, "survivors"),
                (["seeds": ["0123456789abcdef0123456789abcdef"]], .unprocessableContent, "seeds[0]"),
                (["mode": "quick"], .badRequest, "mode"),
                (["budget": ["max_calls": 10]], .unprocessableContent, "budget.max_calls"),
            ] {
                let answer = try await client.call(.post, "/api/tuning/prompts", token: ada, json: Self.body(suiteID, extra))
                #expect(answer.status == status && answer.body["error"]?["message"]?.stringValue?.hasPrefix(field) == true, "\(extra): \(answer.body)")
            }
            #expect((try await client.call(.get, "/api/jobs", token: ada).body["jobs"]?.arrayValue ?? []).count == before)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    @Test func theLibraryKeepsPromptsWithLabelsSourceAndLineage() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let first = try await client.call(.post, "/api/prompts", token: ada, json: ["name": "plain", "text": "Use the tools.", "labels": ["a", "a"]])
            #expect(first.body["labels"] == ["a"], "a label is kept once")
            #expect(first.status == .created && first.body["source"] == "manual", "\(first.body)")
            let firstID = try #require(first.body["id"]?.stringValue)
            let child = try await client.call(.post, "/api/prompts", token: ada, json: ["name": "better", "text": "Use exactly one tool.", "parent_id": .string(firstID)])
            let childID = try #require(child.body["id"]?.stringValue)
            let grandchild = try await client.call(.post, "/api/prompts", token: ada, json: ["name": "best", "text": "Use exactly one tool, always.", "parent_id": .string(childID)])
            let lineage = try await client.call(.get, "/api/prompts/\(try #require(grandchild.body["id"]?.stringValue))", token: ada).body["lineage"]?.arrayValue ?? []
            #expect(lineage.map { $0["name"] ?? .null } == ["plain", "better"])
            let imported = try await client.call(.post, "/api/prompts/import", token: ada, json: ["prompts": [["name": "i1", "text": "x"], ["name": "i2", "text": "y", "labels": ["z"]]]])
            #expect(imported.status == .created && imported.body["imported"] == 2)
            // An import with one bad entry adds nothing.
            let bad = try await client.call(.post, "/api/prompts/import", token: ada, json: ["prompts": [["name": "ok", "text": "x"], ["name": "", "text": "y"]]])
            #expect(bad.status == .badRequest)
            let list = try await client.call(.get, "/api/prompts", token: ada).body["prompts"]?.arrayValue ?? []
            #expect(list.count == 5 && list.filter { $0["source"] == "import" }.count == 2)
            let relabelled = try await client.call(.put, "/api/prompts/\(firstID)", token: ada, json: ["labels": ["a", "b"], "name": "plain v1"])
            #expect(relabelled.body["labels"] == ["a", "b"] && relabelled.body["name"] == "plain v1" && relabelled.body["text"] == "Use the tools.")
            #expect(try await client.call(.post, "/api/prompts", token: ada, json: ["name": "x", "text": "y", "parent_id": "nope"]).status == .unprocessableContent)
            let bob = try await client.register("bob@example.com")
            #expect(try await client.call(.get, "/api/prompts/\(firstID)", token: bob).status == .notFound)
            #expect(try await client.call(.delete, "/api/prompts/\(firstID)", token: bob).status == .notFound)
            #expect((try await client.call(.get, "/api/prompts", token: bob).body["prompts"]?.arrayValue ?? []).isEmpty)
            #expect(try await client.call(.delete, "/api/prompts/\(firstID)", token: ada).status == .noContent)
            let orphan = try await client.call(.get, "/api/prompts/\(childID)", token: ada).body
            #expect(orphan["parent_id"] == .null && orphan["text"] == "Use exactly one tool.")
        }
        await studio.close()
    }
}
