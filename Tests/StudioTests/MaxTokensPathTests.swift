import HTTPTypes
import HostHTTP
import HostSimulator
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// `max_tokens` has one owner: the target's parameters, merged once (provider, run
/// defaults, model, minus `skip_params`) and passed through the provider's rules. What
/// reaches the provider is read from the simulator's ground truth, for benchmarks and evals.
@Suite(.serialized) struct MaxTokensPathTests {
    @Test func theDefaultTheRequestAndSkipParamsReachTheProvider() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let providers = try await client.call(.get, "/api/providers", token: ada).body["providers"]?.arrayValue ?? []
            let sim = try #require(providers.first { $0["slug"] == "sim-openai" }?["id"]?.stringValue)
            // Two models the simulator streams 40 tokens for (fewer when max_tokens says so).
            let plain = "sim-ttft5-gap1-tok40", skipping = "sim-ttft6-gap1-tok40"
            for (model, skip) in [(plain, [] as [JSONValue]), (skipping, ["max_tokens"])] {
                let added = try await client.call(.post, "/api/providers/\(sim)/models", token: ada,
                                                  json: ["model_id": .string(model), "skip_params": .array(skip)])
                #expect(added.status == .created, "\(added.body)")
            }
            func follow(_ submitted: (status: HTTPResponse.Status, body: JSONValue, response: TestResponse)) async throws -> [SSEFrame] {
                #expect(submitted.status == .accepted, "\(submitted.body)")
                let job = try #require(submitted.body["job_id"]?.stringValue)
                return SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(job)/events", method: .get,
                                                                         headers: [.authorization: "Bearer \(ada)"]).body))
            }
            func asked(_ model: String) -> [Int?] { simulator.log.records.filter { $0.model == model }.map(\.requestedMaxTokens) }

            // A benchmark without max_tokens: the one default; the skipping model sends none.
            let bench = try await follow(try await client.call(.post, "/api/benchmarks", token: ada, json: [
                "targets": [["provider": "sim-openai", "model": .string(plain)], ["provider": "sim-openai", "model": .string(skipping)]],
                "runs": 1, "warmup": false]))
            #expect(bench.last?.event == "complete", "\(bench.map(\.event))")
            #expect(asked(plain) == [512])
            #expect(asked(skipping) == [nil])
            let tokens = bench.filter { $0.event == "result" }.map { ($0.data["model"]?.stringValue ?? "", $0.data["output_tokens"]?.intValue) }
            #expect(tokens.allSatisfy { $0.1 == 40 }, "\(tokens)")

            // A benchmark with max_tokens 7: the plain model is held to it, the skipping one is not.
            let seven = try await follow(try await client.call(.post, "/api/benchmarks", token: ada, json: [
                "targets": [["provider": "sim-openai", "model": .string(plain)], ["provider": "sim-openai", "model": .string(skipping)]],
                "runs": 1, "warmup": false, "max_tokens": 7]))
            #expect(seven.last?.event == "complete")
            #expect(asked(plain) == [512, 7] && asked(skipping) == [nil, nil])

            // An eval: its max_tokens reaches the provider the same way, and skip_params too.
            let suite = try #require(try await client.call(.post, "/api/suites", token: ada, json: EvalHTTPTests.suite).body["id"]?.stringValue)
            let eval = try await follow(try await client.call(.post, "/api/evals", token: ada, json: [
                "suite_id": .string(suite), "max_tokens": 77,
                "targets": [["provider": "sim-openai", "model": .string(plain)], ["provider": "sim-openai", "model": .string(skipping)]]]))
            #expect(eval.last?.event == "complete", "\(eval.map(\.event))")
            #expect(asked(plain) == [512, 7, 77, 77])
            #expect(asked(skipping) == [nil, nil, nil, nil])
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }
}
