import Foundation
import HostPlugins
import StudioJSON
import Testing

/// The Ollama native plugin (`/api/chat`, newline-delimited JSON) through the C ABI, and
/// end to end against the simulator's Ollama wire format as a user runs it.
@Suite struct OllamaProviderTests {
    static let provider: ProviderInstance = {
        let plugin = try! PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_ollama.so").path)
        return try! plugin.makeProvider(config: ["base_url": "http://127.0.0.1:11434"])
    }()

    func decode(_ lines: [String], splitEvery: Int? = nil) throws -> [DecodedEvent] {
        let decoder = try Self.provider.makeDecoder(for: ["model": "m", "messages": [["role": "user", "content": "hi"]]])
        var chunks: [[UInt8]] = [Array(lines.joined().utf8)]
        if let n = splitEvery {
            let all = chunks[0]
            chunks = stride(from: 0, to: all.count, by: n).map { Array(all[$0..<min(all.count, $0 + n)]) }
        }
        var events: [DecodedEvent] = []
        for chunk in chunks { try decoder.decode(chunk) { events.append($0) } }
        try decoder.finish { events.append($0) }
        return events
    }

    /// What Ollama writes for a thinking model that then calls a tool (shapes as in
    /// Ollama's API documentation: one object per line, arguments an object).
    let thinkingThenTool = [
        #"{"model":"qwen3","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":false}"# + "\n",
        #"{"model":"qwen3","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"","thinking":"Need the weather."},"done":false}"# + "\n",
        #"{"model":"qwen3","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"Café ☕ "},"done":false}"# + "\n",
        #"{"model":"qwen3","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},"done":false}"# + "\n",
        #"{"model":"qwen3","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":123,"prompt_eval_count":26,"eval_count":42}"# + "\n",
    ]

    @Test func thinkingTextToolCallAndTheDoneLine() throws {
        let expected: [DecodedEvent] = [
            .reasoning("Need the weather."),
            .text("Café ☕ "),
            .toolCall(index: 0, id: "call_0", name: "get_weather", arguments: #"{"city":"Paris"}"#),
            .finish(reason: "tool_calls", raw: "stop"),
            .usage(input: 26, output: 42, reasoning: nil, cachedInput: nil),
            .end,
        ]
        #expect(try decode(thinkingThenTool) == expected, "the first, empty line is no token")
        // Cut every 5 bytes (inside lines and inside "é" and "☕"): the same events.
        #expect(try decode(thinkingThenTool, splitEvery: 5) == expected)
        // CRLF line ends and a last line without a newline.
        #expect(try decode(thinkingThenTool.map { $0.replacingOccurrences(of: "\n", with: "\r\n") }) == expected)
        var unterminated = thinkingThenTool
        unterminated[unterminated.count - 1].removeLast()
        #expect(try decode(unterminated) == expected)
    }

    @Test func errorsMidStreamAndMalformedLines() throws {
        let events = try decode([#"{"message":{"role":"assistant","content":"Hi"},"done":false}"# + "\n",
                                 #"{"error":"model runner has unexpectedly stopped"}"# + "\n"])
        #expect(events == [.text("Hi"), .error(message: "model runner has unexpectedly stopped", code: ""), .end])
        #expect(throws: PluginCallError.self) { try decode(["{not json\n"]) }
    }

    @Test func requestBodyAndWholeResponse() throws {
        let built = try Self.provider.buildRequest([
            "model": "llama3.2", "stream": true,
            "messages": [["role": "user", "content": "Weather?"],
                         ["role": "assistant", "content": "", "tool_calls": [["id": "c1", "type": "function",
                                                                               "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]]]],
                         ["role": "tool", "tool_call_id": "c1", "content": "sunny"]],
            "params": ["max_tokens": 64, "temperature": 0.2, "top_k": 40, "stop": "END"],
            "tools": [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]]],
        ])
        #expect(built["url"] == "http://127.0.0.1:11434/api/chat" && built["method"] == "POST")
        let body = try JSONParser.parse(try #require(built["body"]?.stringValue))
        #expect(body["stream"] == true && body["options"]?["num_predict"] == 64 && body["options"]?["top_k"] == 40)
        #expect(body["options"]?["stop"] == ["END"] && body["options"]?["temperature"] == 0.2 && body["max_tokens"] == nil)
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages[1]["tool_calls"]?.arrayValue?.first?["function"]?["arguments"] == ["city": "Paris"], "arguments go as an object")
        #expect(messages[2]["tool_name"] == "get_weather")

        let whole = try Self.provider.parseResponse(Array(#"{"model":"llama3.2","message":{"role":"assistant","content":"Hello"},"done":true,"done_reason":"length","prompt_eval_count":5,"eval_count":9}"#.utf8))
        #expect(whole["text"] == "Hello" && whole["finish_reason"] == "length" && whole["usage"]?["output_tokens"] == 9)
        let missing = try Self.provider.classifyError(status: 404, body: Array(#"{"error":"model 'nope' not found"}"#.utf8))
        #expect(missing["class"] == "http_404" && missing["message"] == "model 'nope' not found")
    }

    /// `studio bench` against the simulator's /api/chat: TTFT on the simulator's schedule,
    /// output tokens from the done line's eval_count, and `plugins verify` passes.
    @Test func benchmarksAndVerifiesAgainstTheSimulator() throws {
        let dir = TestSupport.temporaryDirectory("ollama-bench")
        let result = try TestSupport.run("/bin/sh", ["-c", "cd '\(dir.path)' && exec \"$0\" \"$@\"", TestSupport.studioExecutable, "bench",
                                                     "--provider", "ollama", "--base-url", "simulator", "--model", "sim-ttft30-gap4-tok12",
                                                     "--runs", "2", "--no-warmup", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let runs = try JSONParser.parse(result.stdout)["runs"]?.arrayValue ?? []
        #expect(runs.count == 2)
        for run in runs {
            #expect(run["ok"] == true && run["output_tokens"] == 12 && run["tokens_estimated"] == false, "\(run)")
            let ttft = try #require(run["ttft_ms"]?.doubleValue)
            #expect(ttft >= 29.9 && ttft < 60, "ttft \(ttft)")
            let itl = try #require(run["itl_ms"]?.doubleValue)
            #expect(abs(itl - 4) < 1.5, "itl \(itl)")
        }
        let verified = try TestSupport.run(TestSupport.studioExecutable, ["plugins", "verify", TestSupport.buildDirectory.appendingPathComponent("libstudio_ollama.so").path, "--json"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }

    /// Tool calls end to end: `studio eval` with the simulator's tool-calling model.
    @Test func toolCallsAreScored() throws {
        let dir = TestSupport.temporaryDirectory("ollama-eval")
        let suite = dir.appendingPathComponent("suite.json")
        var document = EvalHTTPTests.suite.objectValue!
        document["format"] = "studio-suite/1"
        try JSONValue.object(document).jsonString.write(to: suite, atomically: true, encoding: .utf8)
        let result = try TestSupport.run(TestSupport.studioExecutable, ["eval", "--suite", suite.path, "--provider", "ollama", "--base-url", "simulator",
                                                                       "--model", "sim-ttft5-gap1-toolscall", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONParser.parse(result.stdout)
        let model = try #require(output["models"]?.arrayValue?.first)
        #expect(model["mean_score"] == 1.0 && model["pass_rate"] == 1.0, "the same calls as through the OpenAI wire: \(model)")
        #expect(model["errors"]?.objectValue?.isEmpty != false, "\(model)")
    }
}
