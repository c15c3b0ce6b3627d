import Foundation
import HTTPTypes
import HostHTTP
import HostSimulator
import HostStorage
import Hummingbird
import HummingbirdTesting
import SQLKit
import StudioJSON
import Testing

/// Tool-calling suites and evals over HTTP against the simulator's tool models.
@Suite(.serialized) struct EvalHTTPTests {
    static let suite: JSONValue = [
        "name": "assistant tools", "system_prompt": "Use a tool when one fits.",
        "tools": [
            ["type": "function", "function": ["name": "get_weather", "description": "Weather for a city",
                                             "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]]],
            ["type": "function", "function": ["name": "get_time", "description": "Time in a zone",
                                             "parameters": ["type": "object", "properties": ["zone": ["type": "string"]], "required": ["zone"]]]],
        ],
        "cases": [
            ["id": "weather", "prompt": "Please call get_weather for Paris", "expected_calls": [["name": "get_weather", "arguments": ["city": "Paris"]]]],
            ["id": "time", "prompt": "Please call get_time for Tokyo", "expected_calls": [["name": "get_time", "arguments": ["zone": "Tokyo"]]]],
        ],
    ]

    @Test(arguments: TestDatabase.allCases)
    func suitesImportAndEditWithClearErrors(kind: TestDatabase) async throws {
        let studio = try await TestStudio.make(kind)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let created = try await client.call(.post, "/api/suites", token: ada, json: Self.suite)
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.body["id"]?.stringValue)
            #expect(created.body["cases"] == 2 && created.body["tools"] == 2)

            // Export → import gives the same suite.
            let exported = try await client.call(.get, "/api/suites/\(id)/export?format=native", token: ada).body
            #expect(exported["format"] == "studio-suite/1" && exported["cases"]?.arrayValue?.count == 2)
            let again = try await client.call(.post, "/api/suites/import?format=native", token: ada, json: exported)
            #expect(again.status == .created, "\(again.body)")
            let copy = try await client.call(.get, "/api/suites/\(try #require(again.body["id"]?.stringValue))/export", token: ada).body
            #expect(copy == exported)

            // Malformed documents: the error names the place; nothing is stored.
            let before = try await client.call(.get, "/api/suites", token: ada).body["suites"]?.arrayValue?.count
            var unknownTool = Self.suite.objectValue!
            unknownTool["cases"] = [["id": "x", "prompt": "p", "expected_calls": [["name": "get_stock"]]]]
            let refused = try await client.call(.post, "/api/suites", token: ada, json: .object(unknownTool))
            #expect(refused.status == .badRequest && refused.body["error"]?["message"]?.stringValue?.hasPrefix("cases[0].expected_calls[0].name") == true)
            var duplicate = Self.suite.objectValue!
            duplicate["cases"] = [["id": "x", "prompt": "p"], ["id": "x", "prompt": "q"]]
            #expect(try await client.call(.post, "/api/suites", token: ada, json: .object(duplicate)).body["error"]?["message"]?.stringValue?.hasPrefix("cases[1].id") == true)
            let noFormat = try await client.call(.post, "/api/suites/import?format=native", token: ada, json: Self.suite)
            #expect(noFormat.status == .badRequest && noFormat.body["error"]?["code"] == "invalid_format")
            var broken = exported.objectValue!
            broken["cases"] = [["id": "ok", "prompt": "fine"], ["prompt": "no id"]]
            let badCase = try await client.call(.post, "/api/suites/import?format=native", token: ada, json: .object(broken))
            #expect(badCase.status == .badRequest && badCase.body["error"]?["message"]?.stringValue?.hasPrefix("cases[1].id") == true, "\(badCase.body)")
            #expect(try await client.call(.get, "/api/suites", token: ada).body["suites"]?.arrayValue?.count == before)

            // MCP tools/list → a suite with those tools.
            let mcp = try await client.call(.post, "/api/suites/import?format=mcp&name=files", token: ada, json: [
                "jsonrpc": "2.0", "id": 1, "result": ["tools": [
                    ["name": "read_file", "description": "Read a file", "inputSchema": ["type": "object", "properties": ["path": ["type": "string"]]]],
                    ["name": "list_dir", "inputSchema": ["type": "object"]]]]])
            #expect(mcp.status == .created && mcp.body["tools"] == 2 && mcp.body["name"] == "files")
            let badMCP = try await client.call(.post, "/api/suites/import?format=mcp", token: ada, json: ["tools": [["description": "no name"]]])
            #expect(badMCP.status == .badRequest && badMCP.body["error"]?["message"]?.stringValue?.hasPrefix("tools[0].name") == true)

            // Cases one by one.
            let added = try await client.call(.post, "/api/suites/\(id)/cases", token: ada, json: ["id": "third", "prompt": "Call get_time for Lima"])
            #expect(added.status == .created)
            let caseID = try #require(added.body["case_id"]?.stringValue)
            #expect(try await client.call(.post, "/api/suites/\(id)/cases", token: ada, json: ["id": "third", "prompt": "x"]).status == .conflict)
            #expect(try await client.call(.put, "/api/suites/\(id)/cases/\(caseID)", token: ada, json: ["id": "third", "prompt": "Call get_time for Oslo"]).status == .ok)
            #expect(try await client.call(.get, "/api/suites/\(id)/cases", token: ada).body["cases"]?.arrayValue?.count == 3)
            // One case is checked as a whole suite's are: its expected calls name offered tools
            // (the error names the case's own field); a new id is kept, a taken one refused.
            let unknown = try await client.call(.post, "/api/suites/\(id)/cases", token: ada,
                                                json: ["id": "fourth", "prompt": "p", "expected_calls": [["name": "get_stock"]]])
            #expect(unknown.status == .badRequest && unknown.body["error"]?["message"]?.stringValue?.hasPrefix("expected_calls[0].name") == true, "\(unknown.body)")
            let unknownPut = try await client.call(.put, "/api/suites/\(id)/cases/\(caseID)", token: ada,
                                                   json: ["id": "third", "prompt": "p", "expected_calls": [["name": "get_stock"]]])
            #expect(unknownPut.status == .badRequest, "\(unknownPut.body)")
            #expect(try await client.call(.put, "/api/suites/\(id)/cases/\(caseID)", token: ada, json: ["id": "renamed", "prompt": "Call get_time for Oslo"]).status == .ok)
            let renamed = try await client.call(.get, "/api/suites/\(id)/cases", token: ada).body["cases"]?.arrayValue ?? []
            #expect(renamed.map { $0["id"] } == ["weather", "time", "renamed"], "\(renamed)")
            let taken = try await client.call(.put, "/api/suites/\(id)/cases/\(caseID)", token: ada, json: ["id": "weather", "prompt": "x"])
            #expect(taken.status == .conflict && taken.body["error"]?["code"] == "duplicate_case")
            // A tool a stored case expects cannot be removed from the suite; nothing changes.
            var withoutTime = Self.suite.objectValue!
            withoutTime["cases"] = nil
            withoutTime["tools"] = .array([Self.suite["tools"]!.arrayValue![0]])
            let removing = try await client.call(.put, "/api/suites/\(id)", token: ada, json: .object(withoutTime))
            #expect(removing.status == .unprocessableContent && removing.body["error"]?["message"]?.stringValue?.contains("case time") == true, "\(removing.body)")
            #expect(try await client.call(.get, "/api/suites/\(id)", token: ada).body["tools"]?.arrayValue?.count == 2)
            // Renamed with the cases that expect it, in one request: all or nothing.
            var clock = Self.suite.objectValue!
            clock["tools"] = .array([Self.suite["tools"]!.arrayValue![0],
                                     ["type": "function", "function": ["name": "get_clock", "parameters": ["type": "object"]]]])
            clock["cases"] = [["id": "weather", "prompt": "Please call get_weather for Paris", "expected_calls": [["name": "get_weather"]]],
                              ["id": "time", "prompt": "Please call get_clock for Tokyo", "expected_calls": [["name": "get_clock"]]]]
            var halfRenamed = clock
            halfRenamed["cases"] = [["id": "time", "prompt": "p", "expected_calls": [["name": "get_time"]]]]
            #expect(try await client.call(.put, "/api/suites/\(id)", token: ada, json: .object(halfRenamed)).status == .badRequest)
            #expect(try await client.call(.get, "/api/suites/\(id)", token: ada).body["cases"]?.arrayValue?.count == 3, "nothing changed")
            let together = try await client.call(.put, "/api/suites/\(id)", token: ada, json: .object(clock))
            #expect(together.status == .ok, "\(together.body)")
            #expect(together.body["cases"]?.arrayValue?.compactMap { $0["body"]?["expected_calls"]?.arrayValue?.first?["name"]?.stringValue } == ["get_weather", "get_clock"])
            // The case list given replaced the stored one: the case added above is gone.
            #expect(try await client.call(.delete, "/api/suites/\(id)/cases/\(caseID)", token: ada).status == .notFound)
            // Duplicate, then bulk-edit the copy's cases; a bad batch changes nothing.
            let duplicated = try await client.call(.post, "/api/suites/\(id)/duplicate", token: ada)
            #expect(duplicated.status == .created && duplicated.body["name"] == "assistant tools (copy)" && duplicated.body["cases"] == 2)
            let copyID = try #require(duplicated.body["id"]?.stringValue)
            let bulk = try await client.call(.put, "/api/suites/\(copyID)/cases", token: ada, json: ["cases": [
                ["id": "a", "prompt": "Call get_clock for Lima", "expected_calls": [["name": "get_clock"]]], ["id": "b", "prompt": "Hello"]]])
            #expect(bulk.status == .ok && bulk.body["cases"] == 2)
            let badBulk = try await client.call(.put, "/api/suites/\(copyID)/cases", token: ada, json: ["cases": [
                ["id": "a", "prompt": "x"], ["id": "c", "prompt": "y", "expected_calls": [["name": "get_stock"]]]]])
            #expect(badBulk.status == .badRequest && badBulk.body["error"]?["message"]?.stringValue?.hasPrefix("cases[1].expected_calls[0].name") == true)
            let afterBulk = try await client.call(.get, "/api/suites/\(copyID)/cases", token: ada).body["cases"]?.arrayValue ?? []
            #expect(afterBulk.map { $0["id"] } == ["a", "b"])
            #expect(try await client.call(.delete, "/api/suites/\(id)", token: ada).status == .noContent)
            #expect(try await client.call(.get, "/api/suites/\(id)", token: ada).status == .notFound)
        }
        await studio.close()
    }

    /// One configuration of a model (docs/tuning.md): an eval with sampling parameters and a
    /// system prompt of its own. On the simulator's tuning surface the optimum (temperature
    /// 0.35, top_p 0.8, "exactly one tool") scores as its formula says, far above the
    /// defaults; the stored eval keeps the configuration; a parameter the provider's rules
    /// refuse is named before anything runs.
    @Test func anEvalRunsOneConfigurationItsParametersAndSystemPrompt() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            var suite = Self.suite.objectValue!
            suite["cases"] = .array((0..<40).map { i in
                ["id": .string("w\(i)"), "prompt": .string("Please call get_weather for City\(i)"), "expected_calls": [["name": "get_weather"]]]
            })
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: ada, json: .object(suite)).body["id"]?.stringValue)
            try await JobsHTTPTests.addSimulatorModel(client, ada, "sim-ttft1-gap1-toolssurface")
            func eval(_ extra: JSONObject) async throws -> (score: Double, id: String) {
                var body: JSONObject = ["suite_id": .string(suiteID), "targets": [["provider": "sim-openai", "model": "sim-ttft1-gap1-toolssurface"]]]
                for (k, v) in extra { body[k] = v }
                let submitted = try await client.call(.post, "/api/evals", token: ada, json: .object(body))
                #expect(submitted.status == .accepted, "\(submitted.body)")
                let job = try #require(submitted.body["job_id"]?.stringValue)
                let events = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(job)/events", method: .get,
                                                                               headers: [.authorization: "Bearer \(ada)"]).body))
                let summary = try #require(events.last?.data["models"]?.arrayValue?.first)
                return (summary["mean_score"]?.doubleValue ?? -1, events.last?.data["eval_id"]?.stringValue ?? "")
            }
            let defaults = try await eval([:])
            let best = try await eval(["temperature": 0.35, "params": ["top_p": 0.8, "seed": 7], "system_prompt": "Call exactly one tool."])
            let expectedDefault = ResponseSurface.accuracy(temperature: 0, topP: nil, systemPrompt: Self.suite["system_prompt"]?.stringValue ?? "")
            #expect(abs(defaults.score - expectedDefault) < 0.2, "defaults: \(defaults.score) vs \(expectedDefault)")
            #expect(best.score >= 0.8, "the optimum: \(best.score) vs \(ResponseSurface.optimum.accuracy)")
            let stored = try await client.call(.get, "/api/evals/\(best.id)", token: ada).body
            #expect(stored["request"]?["params"]?["top_p"] == 0.8 && stored["request"]?["system_prompt"] == "Call exactly one tool.", "\(stored["request"] ?? .null)")
            // Out of the provider's range: clamped by its rules, and the answer says so.
            let clamped = try await client.call(.post, "/api/evals", token: ada, json: [
                "suite_id": .string(suiteID), "targets": [["provider": "sim-openai", "model": "sim-ttft1-gap1-toolssurface"]], "params": ["top_p": 7]])
            #expect(clamped.status == .accepted && clamped.body["adjustments"]?.arrayValue?.contains { $0["param"] == "top_p" } == true, "\(clamped.body)")
            if let job = clamped.body["job_id"]?.stringValue {
                _ = try await client.execute(uri: "/api/jobs/\(job)/events", method: .get, headers: [.authorization: "Bearer \(ada)"])
            }
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    @Test func evalAgainstTheSimulatorsToolModels() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: ada, json: Self.suite).body["id"]?.stringValue)
            let models = ["sim-ttft10-gap1-toolscall", "sim-ttft10-gap1-toolswrong", "sim-ttft10-gap1-toolsnone", "sim-ttft10-gap1-toolsbadargs"]
            for model in models { try await JobsHTTPTests.addSimulatorModel(client, ada, model) }
            let submitted = try await client.call(.post, "/api/evals", token: ada, json: [
                "suite_id": .string(suiteID), "targets": .array(models.map { ["provider_id": "sim-openai", "model_id": .string($0)] }),
                "repeat": 2, "tool_choice": "auto"])
            #expect(submitted.status == .accepted, "\(submitted.body)")
            let job = try #require(submitted.body["job_id"]?.stringValue)
            let events = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(job)/events", method: .get,
                                                                           headers: [.authorization: "Bearer \(ada)"]).body))
            #expect(events.last?.event == "complete", "\(events.map(\.event))")
            #expect(events.filter { $0.event == "result" }.count == 4 * 2 * 2)
            #expect(events.filter { $0.event == "model_summary" }.count == 4)
            let live = try #require(events.last?.data["models"]?.arrayValue)
            func summary(_ model: String) -> JSONValue? { live.first { $0["target"]?.stringValue == "sim-openai/\(model)" } }
            #expect(summary("sim-ttft10-gap1-toolscall")?["mean_score"] == 1.0 && summary("sim-ttft10-gap1-toolscall")?["pass_at_k"] == 1.0)
            #expect(summary("sim-ttft10-gap1-toolscall")?["tool_score"] == 1.0 && summary("sim-ttft10-gap1-toolscall")?["param_score"] == 1.0)
            #expect(summary("sim-ttft10-gap1-toolsnone")?["tool_score"] == 0.0 && summary("sim-ttft10-gap1-toolsnone")?["irrelevance_accuracy"] == .null)
            #expect(summary("sim-ttft10-gap1-toolsnone")?["mean_score"] == 0.0 && summary("sim-ttft10-gap1-toolsnone")?["errors"]?["no_call"] == 4)
            #expect(summary("sim-ttft10-gap1-toolswrong")?["mean_score"] == 0.0)
            #expect((summary("sim-ttft10-gap1-toolsbadargs")?["mean_score"]?.doubleValue ?? 1) < 1)
            // The outputs scorers saw: arguments parsed, malformed ones kept raw and flagged.
            let bad = events.first { $0.event == "result" && $0.data["target"]?.stringValue?.hasSuffix("toolsbadargs") == true }
            #expect(bad?.data["output"]?["calls"]?.arrayValue?.first?["arguments_invalid"] == true)
            let good = events.first { $0.event == "result" && $0.data["target"]?.stringValue?.hasSuffix("toolscall") == true && $0.data["case_id"] == "weather" }
            #expect(good?.data["output"]?["calls"]?.arrayValue?.first?["arguments"]?["city"] == "Paris")

            // Stored: the same summaries, recomputed from the stored rows.
            let evalID = try #require(events.last?.data["eval_id"]?.stringValue)
            let stored = try await client.call(.get, "/api/evals/\(evalID)", token: ada).body
            #expect(stored["models"] == events.last?.data["models"])
            #expect(stored["results"]?.arrayValue?.count == 16 && stored["status"] == "done")
            #expect(try await client.call(.get, "/api/evals", token: ada).body["evals"]?.arrayValue?.count == 1)
            // Bad requests name the field.
            let noSuite = try await client.call(.post, "/api/evals", token: ada, json: ["suite_id": "nope", "targets": [["provider": "sim-openai", "model": "m"]]])
            #expect(noSuite.status == .unprocessableContent && noSuite.body["error"]?["code"] == "invalid_suite_id")
            let noScorerBody: JSONValue = ["suite_id": .string(suiteID), "scorer": "nope", "targets": [["provider": "sim-openai", "model": "m"]]]
            let noScorer = try await client.call(.post, "/api/evals", token: ada, json: noScorerBody)
            #expect(noScorer.status == .unprocessableContent && noScorer.body["error"]?["code"] == "invalid_scorer")

            // An eval on a schedule: "run now" stores an eval run like any other.
            let scheduleBody: JSONValue = ["name": "nightly tools", "kind": "eval", "interval_hours": 24,
                                           "request": ["suite_id": .string(suiteID), "targets": [["provider": "sim-openai", "model": "sim-ttft10-gap1-toolscall"]]]]
            let schedule = try #require(try await client.call(.post, "/api/schedules", token: ada, json: scheduleBody).body["id"]?.stringValue)
            let fired = try await client.call(.post, "/api/schedules/\(schedule)/run", token: ada)
            #expect(fired.status == .accepted, "\(fired.body)")
            let firedJob = try #require(fired.body["job_id"]?.stringValue)
            let firedEvents = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(firedJob)/events", method: .get,
                                                                                headers: [.authorization: "Bearer \(ada)"]).body))
            #expect(firedEvents.last?.event == "complete" && firedEvents.last?.data["models"]?.arrayValue?.first?["mean_score"] == 1.0)
            #expect(try await client.call(.get, "/api/evals", token: ada).body["evals"]?.arrayValue?.count == 2)
            let badEvalSchedule: JSONValue = ["name": "x", "kind": "eval", "interval_hours": 1, "request": ["suite_id": "nope", "targets": [["provider": "sim-openai", "model": "m"]]]]
            let refusedSchedule = try await client.call(.post, "/api/schedules", token: ada, json: badEvalSchedule)
            #expect(refusedSchedule.status == .unprocessableContent && refusedSchedule.body["error"]?["message"]?.stringValue?.hasPrefix("request.suite_id") == true)
            // An eval schedule asking for inline judging without a judge model is refused when saved, not when it fires.
            let judgedSchedule: JSONValue = ["name": "judged", "kind": "eval", "interval_hours": 24, "request": [
                "suite_id": .string(suiteID), "targets": [["provider": "sim-openai", "model": "sim-ttft10-gap1-toolscall"]], "judge": true]]
            let noJudge = try await client.call(.post, "/api/schedules", token: ada, json: judgedSchedule)
            #expect(noJudge.status == .unprocessableContent && noJudge.body["error"]?["message"]?.stringValue?.hasPrefix("request.judge") == true,
                    "\(noJudge.body)")
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    /// `studio eval --suite FILE`: the same runner and summaries from the command line.
    @Test func evalCommandRunsASuiteLocally() throws {
        let folder = TestSupport.temporaryDirectory("eval-cli")
        let file = folder.appendingPathComponent("suite.json").path
        var document = Self.suite.objectValue!
        document["format"] = "studio-suite/1"
        document["cases"] = .array((document["cases"]?.arrayValue ?? []) + [
            ["id": "hello", "prompt": "Just say hello", "expected_calls": [], "should_call_tool": false, "category": "irrelevance"]])
        try JSONValue.object(document).jsonString.write(toFile: file, atomically: true, encoding: .utf8)
        let studio = TestSupport.studioExecutable
        let result = try TestSupport.run(studio, ["eval", "--suite", file, "--provider", "openai", "--base-url", "simulator",
                                                  "--model", "sim-ttft10-gap1-toolscall", "--model", "sim-ttft10-gap1-toolsnone", "--repeat", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONParser.parse(result.stdout)
        #expect(output["results"]?.arrayValue?.count == 2 * 3 * 2)
        let models = output["models"]?.arrayValue ?? []
        let caller = models.first { $0["target"] == "openai/sim-ttft10-gap1-toolscall" }
        let silent = models.first { $0["target"] == "openai/sim-ttft10-gap1-toolsnone" }
        // The calling model gets both tool cases and fails the irrelevance case; the silent one the reverse.
        #expect(caller?["pass_hat_k"]?.doubleValue == 2.0 / 3 && caller?["irrelevance_accuracy"] == 0.0)
        #expect(caller?["by_category"]?["irrelevance"]?["mean_score"] == 0.0)
        #expect(silent?["irrelevance_accuracy"] == 1.0 && silent?["cases_passed"] == 2)

        // Multi-turn: the mock result goes back, the model answers in text, two rounds.
        document["cases"] = [["id": "chain", "prompt": "Please call get_weather for Paris", "expected_calls": [["name": "get_weather", "arguments": ["city": "Paris"]]],
                              "multi_turn": ["mock_results": ["get_weather": ["temp_c": 21]], "max_rounds": 4, "optimal_hops": 2]]]
        try JSONValue.object(document).jsonString.write(toFile: file, atomically: true, encoding: .utf8)
        let multi = try TestSupport.run(studio, ["eval", "--suite", file, "--provider", "openai", "--base-url", "simulator",
                                                 "--model", "sim-ttft10-gap1-toolscall", "--json"])
        #expect(multi.status == 0, "\(multi.stderr)")
        let chained = try JSONParser.parse(multi.stdout)["results"]?.arrayValue?.first
        #expect(chained?["output"]?["rounds"] == 2 && chained?["output"]?["calls"]?.arrayValue?.count == 1)
        #expect(chained?["score"] == 1.0, "\(chained?.jsonString ?? "")")
        // One configuration from the flags: on the tuning surface, the optimum's parameters and
        // prompt score as its formula says, far above the model's defaults.
        document["cases"] = .array((0..<30).map { i in
            ["id": .string("w\(i)"), "prompt": .string("Please call get_weather for City\(i)"), "expected_calls": [["name": "get_weather"]]] })
        try JSONValue.object(document).jsonString.write(toFile: file, atomically: true, encoding: .utf8)
        func score(_ flags: [String]) throws -> Double {
            let run = try TestSupport.run(studio, ["eval", "--suite", file, "--provider", "openai", "--base-url", "simulator",
                                                   "--model", "sim-ttft1-gap1-toolssurface", "--json"] + flags)
            #expect(run.status == 0, "\(run.stderr)")
            return try JSONParser.parse(run.stdout)["models"]?.arrayValue?.first?["mean_score"]?.doubleValue ?? -1
        }
        let tuned = try score(["--param", "temperature=0.35", "--param", "top_p=0.8", "--system-prompt", "Call exactly one tool."])
        let plain = try score([])
        #expect(tuned >= 0.8 && plain < 0.6, "with the flags \(tuned), without \(plain)")
        #expect(try TestSupport.run(studio, ["eval", "--suite", file, "--param", "top_p"]).status == 2)

        // A broken suite names the field; bad flags are usage errors.
        _ = document
        try #"{"name":"x","cases":[{"prompt":"no id"}]}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let broken = try TestSupport.run(studio, ["eval", "--suite", file])
        #expect(broken.status == 1 && broken.stderr.contains("cases[0].id"), "\(broken.stderr)")
        #expect(try TestSupport.run(studio, ["eval", "--suite", file, "--repeat", "0"]).status == 2)
        #expect(try TestSupport.run(studio, ["eval", "--suite", file, "--tool-choice", "always"]).status == 2)
    }
}
