import Foundation
import HostEvals
import HostHTTP
import HostProviderCalls
import HostSimulator
import HostStorage
import HostTransport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// BFCL question/answer files as suites: schema dialect converted, dotted names kept (and
/// mapped back after a provider sees `spotify_play`), optional parameters, irrelevance,
/// skipped entries reported, bad lines named, nothing half-imported.
@Suite struct BFCLImportTests {
    static let questions = """
        {"id":"simple_python_0","question":[[{"role":"user","content":"Find the area of a triangle with base 10 and height 5."}]],"function":[{"name":"calculate_triangle_area","description":"Area","parameters":{"type":"dict","properties":{"base":{"type":"integer"},"height":{"type":"float"},"unit":{"type":"string"},"tags":{"type":"tuple","items":{"type":"any"}}},"required":["base","height"]}}]}
        {"id":"parallel_0","question":[[{"role":"user","content":"Play Taylor Swift for 20 minutes and Maroon 5 for 15."}]],"function":[{"name":"spotify.play","description":"Play","parameters":{"type":"dict","properties":{"artist":{"type":"string"},"duration":{"type":"integer"}},"required":["artist"]}}]}
        {"id":"irrelevance_0","question":[[{"role":"user","content":"What is the meaning of life?"}]],"function":[{"name":"get_weather","parameters":{"type":"dict","properties":{}}}]}
        {"id":"multi_turn_base_0","question":[[{"role":"user","content":"cd"}],[{"role":"user","content":"ls"}]],"initial_config":{}}
        """
    static let answers = """
        {"id":"simple_python_0","ground_truth":[{"calculate_triangle_area":{"base":[10],"height":[5.0],"unit":["units",""]}}]}
        {"id":"parallel_0","ground_truth":[{"spotify.play":{"artist":["Taylor Swift"],"duration":[20]}},{"spotify.play":{"artist":["Maroon 5"],"duration":[15]}}]}
        """

    @Test func convertsCasesToolsAndAnswers() throws {
        let (suite, skipped) = try BFCLImport.suite(name: "bfcl", category: nil, questions: Self.questions, answers: Self.answers)
        #expect(suite.cases.map(\.key) == ["simple_python_0", "parallel_0", "irrelevance_0"])
        #expect(skipped.map(\.id) == ["multi_turn_base_0"] && skipped.first?.line == 4)
        let simple = try JSONParser.parse(suite.cases[0].body)
        #expect(simple["category"] == "simple_python")
        let parameters = simple["tools"]?.arrayValue?.first?["function"]?["parameters"]
        #expect(parameters?["type"] == "object" && parameters?["properties"]?["height"]?["type"] == "number")
        #expect(parameters?["properties"]?["tags"]?["type"] == "array" && parameters?["properties"]?["tags"]?["items"]?["type"] == "string")
        // "" means "may be omitted": left out of the classic expectations; BFCL's own answer kept.
        #expect(simple["expected_calls"] == [["name": "calculate_triangle_area", "arguments": ["base": [10], "height": [5.0]]]])
        #expect(simple["ground_truth"]?.arrayValue?.count == 1 && simple["function"] != nil && simple["question"] != nil)
        let parallel = try JSONParser.parse(suite.cases[1].body)
        #expect(parallel["expected_calls"]?.arrayValue?.map { $0["name"] } == ["spotify.play", "spotify.play"])
        let irrelevance = try JSONParser.parse(suite.cases[2].body)
        #expect(irrelevance["should_call_tool"] == false && irrelevance["expected_calls"] == [])

        #expect(throws: FieldError.self) { try BFCLImport.suite(name: "x", category: nil, questions: "{\"id\":\"a\"}\nnot json", answers: nil) }
        do { _ = try BFCLImport.suite(name: "x", category: nil, questions: "{\"id\":\"a\",\"function\":[]}\nnot json", answers: nil) } catch let error as FieldError {
            #expect(error.message.contains("line 2"))
        }
    }

    @Test func importOverHTTPThenEvalMapsDottedNamesBack() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let imported = try await client.call(.post, "/api/suites/import?format=bfcl&name=mini", token: ada,
                                                 json: ["questions": .string(Self.questions), "answers": .string(Self.answers)])
            #expect(imported.status == .created, "\(imported.body)")
            #expect(imported.body["cases"] == 3 && imported.body["skipped"]?.arrayValue?.count == 1)
            let suiteID = try #require(imported.body["id"]?.stringValue)
            let bad = try await client.call(.post, "/api/suites/import?format=bfcl", token: ada, json: ["questions": "{\"id\": 1}"])
            #expect(bad.status == .badRequest && bad.body["error"]?["message"]?.stringValue?.contains("line 1") == true)

            try await JobsHTTPTests.addSimulatorModel(client, ada, "sim-ttft5-gap1-toolsparallel")
            let job = try #require(try await client.call(.post, "/api/evals", token: ada, json: [
                "suite_id": .string(suiteID), "targets": [["provider": "sim-openai", "model": "sim-ttft5-gap1-toolsparallel"]]]).body["job_id"]?.stringValue)
            let events = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(job)/events", method: .get,
                                                                           headers: [.authorization: "Bearer \(ada)"]).body))
            #expect(events.last?.event == "complete")
            let parallel = events.first { $0.event == "result" && $0.data["case_id"] == "parallel_0" }
            // Sent as spotify_play (providers refuse dots), scored as the suite spells it.
            #expect(parallel?.data["output"]?["calls"]?.arrayValue?.allSatisfy { $0["name"] == "spotify.play" } == true, "\(parallel?.data.jsonString ?? "")")
            #expect(parallel?.data["output"]?["calls"]?.arrayValue?.count == 2)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    /// A multi-turn case's mock results are keyed by the suite's tool names: a call the
    /// provider made as `spotify_play` gets the mock written for `spotify.play`.
    @Test func multiTurnMocksAreFoundUnderTheSuitesToolNames() {
        let calls = [AssembledToolCall(index: 0, id: "c1", name: "spotify_play", arguments: #"{"artist":"Taylor Swift"}"#),
                     AssembledToolCall(index: 1, id: "c2", name: "get_time", arguments: "{}")]
        let messages = EvalCaseRunner.nextTurn(text: "", calls: calls, mockResults: ["spotify.play": ["playing": true]],
                                               sentToSuite: ["spotify_play": "spotify.play"])
        #expect(messages.count == 3)
        #expect(messages[0]["tool_calls"]?.arrayValue?.first?["function"]?["name"] == "spotify_play", "the provider sees the name it sent")
        #expect(messages[1]["tool_call_id"] == "c1" && messages[1]["content"] == #"{"playing":true}"#)
        #expect(messages[2]["tool_call_id"] == "c2" && messages[2]["content"] == #"{"ok":true}"#, "no mock: the default")
    }

    /// The installed bfcl-eval package, read in place by the CLI.
    @Test func importBFCLCommandReadsTheInstalledPackage() throws {
        let python = TestSupport.packageRoot.appendingPathComponent(".build/e2e-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python),
              (try? TestSupport.run(python, ["-c", "import importlib.util,sys; sys.exit(importlib.util.find_spec('bfcl_eval') is None)"]).status) == 0 else {
            Issue.record("bfcl-eval is not installed in .build/e2e-venv (scripts/setup installs it)")
            return
        }
        let output = TestSupport.temporaryDirectory("bfcl").appendingPathComponent("simple.json").path
        let imported = try TestSupport.run(TestSupport.studioExecutable, ["suites", "import-bfcl", "--category", "simple_python", "--python", python,
                                                                          "--limit", "25", "--output", output])
        #expect(imported.status == 0, "\(imported.stderr)")
        let suite = try JSONParser.parse(try String(contentsOfFile: output, encoding: .utf8))
        #expect(suite["format"] == "studio-suite/1" && suite["cases"]?.arrayValue?.count == 25)
        let evaluated = try TestSupport.run(TestSupport.studioExecutable, ["eval", "--suite", output, "--provider", "openai", "--base-url", "simulator",
                                                                           "--model", "sim-ttft5-gap1-toolscall", "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let results = try JSONParser.parse(evaluated.stdout)["results"]?.arrayValue ?? []
        #expect(results.count == 25)
        // The simulator picks the right tool but takes its values from the prompt's words,
        // so BFCL's expected numbers are often missed: wrong arguments, classified as such.
        #expect(results.contains { $0["error_type"] == "wrong_arguments" } && results.contains { $0["passed"] == true })
        #expect(try TestSupport.run(TestSupport.studioExecutable, ["suites", "import-bfcl", "--category", "no_such_category", "--python", python]).status == 1)
    }
}
