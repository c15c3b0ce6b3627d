import Foundation
import HostPlugins
import HostProviderCalls
import StudioJSON
import Testing

/// The provider plugins added for the catalogue (issue 22) — the OpenAI Responses API,
/// Cohere v2 chat and Azure OpenAI — through the C ABI on streams shaped as each API's
/// documentation shows them, and end to end against the simulator's wire formats as a user
/// runs them (`studio bench`, `studio eval`, `studio models`, `studio plugins verify`).
/// Recorded responses of the same APIs are checked in CaptureConformanceTests.
@Suite struct ProviderCatalogueTests {
    static func provider(_ id: String, config: JSONValue = ["base_url": "http://127.0.0.1:9"]) throws -> ProviderInstance {
        let plugin = try PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_\(id.replacingOccurrences(of: "-", with: "_")).so").path)
        return try plugin.makeProvider(config: config)
    }

    /// Decodes `text` (whole, or cut every `splitEvery` bytes) into events.
    static func decode(_ provider: ProviderInstance, _ text: String, splitEvery: Int? = nil) throws -> [DecodedEvent] {
        let decoder = try provider.makeDecoder(for: ["model": "m", "messages": [["role": "user", "content": "hi"]]])
        let all = Array(text.utf8)
        let n = splitEvery ?? all.count
        var events: [DecodedEvent] = []
        for start in stride(from: 0, to: all.count, by: max(1, n)) {
            try decoder.decode(Array(all[start..<min(all.count, start + n)])) { events.append($0) }
        }
        try decoder.finish { events.append($0) }
        return events
    }

    static func sse(_ type: String, _ json: String) -> String { "event: \(type)\ndata: \(json)\n\n" }

    // MARK: OpenAI Responses

    /// A reasoning model that thinks (summary deltas), says a word, then calls a tool whose
    /// arguments stream in pieces; `response.completed` carries usage with reasoning tokens.
    static let responsesStream = [
        sse("response.created", #"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","output":[],"usage":null}}"#),
        sse("response.in_progress", #"{"type":"response.in_progress","sequence_number":1,"response":{"id":"resp_1","status":"in_progress"}}"#),
        sse("response.output_item.added", #"{"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"type":"reasoning","id":"rs_1","summary":[]}}"#),
        sse("response.reasoning_summary_text.delta", #"{"type":"response.reasoning_summary_text.delta","sequence_number":3,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Need weather."}"#),
        sse("response.output_item.added", #"{"type":"response.output_item.added","sequence_number":4,"output_index":1,"item":{"type":"message","id":"msg_1","status":"in_progress","role":"assistant","content":[]}}"#),
        sse("response.content_part.added", #"{"type":"response.content_part.added","sequence_number":5,"item_id":"msg_1","output_index":1,"content_index":0,"part":{"type":"output_text","text":""}}"#),
        sse("response.output_text.delta", #"{"type":"response.output_text.delta","sequence_number":6,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Café ☕"}"#),
        sse("response.output_text.done", #"{"type":"response.output_text.done","sequence_number":7,"item_id":"msg_1","output_index":1,"content_index":0,"text":"Café ☕"}"#),
        sse("response.output_item.added", #"{"type":"response.output_item.added","sequence_number":8,"output_index":2,"item":{"type":"function_call","id":"fc_1","call_id":"call_A","name":"get_weather","arguments":"","status":"in_progress"}}"#),
        sse("response.function_call_arguments.delta", #"{"type":"response.function_call_arguments.delta","sequence_number":9,"item_id":"fc_1","output_index":2,"delta":"{\"city\":"}"#),
        sse("response.function_call_arguments.delta", #"{"type":"response.function_call_arguments.delta","sequence_number":10,"item_id":"fc_1","output_index":2,"delta":"\"Paris\"}"}"#),
        sse("response.function_call_arguments.done", #"{"type":"response.function_call_arguments.done","sequence_number":11,"item_id":"fc_1","output_index":2,"arguments":"{\"city\":\"Paris\"}"}"#),
        sse("response.output_item.done", #"{"type":"response.output_item.done","sequence_number":12,"output_index":2,"item":{"type":"function_call","id":"fc_1","call_id":"call_A","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"}}"#),
        sse("response.completed", #"{"type":"response.completed","sequence_number":13,"response":{"id":"resp_1","status":"completed","incomplete_details":null,"usage":{"input_tokens":40,"input_tokens_details":{"cached_tokens":8},"output_tokens":90,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":130}}}"#),
    ].joined()

    @Test func responsesStreamReasoningTextAndACall() throws {
        let provider = try Self.provider("openai-responses")
        let expected: [DecodedEvent] = [
            .reasoning("Need weather."),
            .text("Café ☕"),
            .toolCall(index: 0, id: "call_A", name: "get_weather", arguments: ""),
            .toolCall(index: 0, id: "", name: "", arguments: #"{"city":"#),
            .toolCall(index: 0, id: "", name: "", arguments: #""Paris"}"#),
            .usage(input: 40, output: 90, reasoning: 64, cachedInput: 8),
            .finish(reason: "tool_calls", raw: "completed"),
            .end,
        ]
        #expect(try Self.decode(provider, Self.responsesStream) == expected, "the done events repeat nothing")
        #expect(try Self.decode(provider, Self.responsesStream, splitEvery: 5) == expected, "cut inside events and inside 'é' and '☕'")
    }

    @Test func responsesEndingsAndErrors() throws {
        let provider = try Self.provider("openai-responses")
        // Out of output tokens: incomplete, with its reason.
        let incomplete = Self.sse("response.output_text.delta", #"{"type":"response.output_text.delta","delta":"Hi"}"#)
            + Self.sse("response.incomplete", #"{"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":3,"output_tokens":16}}}"#)
        #expect(try Self.decode(provider, incomplete) == [.text("Hi"), .usage(input: 3, output: 16, reasoning: nil, cachedInput: nil),
                                                         .finish(reason: "length", raw: "max_output_tokens"), .end])
        // A failed response and an error event are errors, with the provider's words.
        let failed = Self.sse("response.failed", #"{"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"The model had an error"}}}"#)
        #expect(try Self.decode(provider, failed) == [.finish(reason: "other", raw: "failed"),
                                                     .error(message: "The model had an error", code: "server_error"), .end])
        let error = Self.sse("error", #"{"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null}"#)
        #expect(try Self.decode(provider, error) == [.error(message: "Slow down", code: "rate_limit_exceeded"), .end])
        // A server that sends a call's arguments only whole, in its done event.
        let whole = Self.sse("response.output_item.added", #"{"type":"response.output_item.added","output_index":0,"item":{"type":"function_call","id":"fc_9","call_id":"c9","name":"f","arguments":""}}"#)
            + Self.sse("response.function_call_arguments.done", #"{"type":"response.function_call_arguments.done","item_id":"fc_9","output_index":0,"arguments":"{}"}"#)
            + Self.sse("response.output_item.done", #"{"type":"response.output_item.done","output_index":0,"item":{"type":"function_call","id":"fc_9","call_id":"c9","name":"f","arguments":"{}"}}"#)
        #expect(try Self.decode(provider, whole) == [.toolCall(index: 0, id: "c9", name: "f", arguments: ""),
                                                    .toolCall(index: 0, id: "", name: "", arguments: "{}"), .end])
        #expect(throws: PluginCallError.self) { try Self.decode(provider, "data: {not json\n\n") }
    }

    @Test func responsesRequestBodyAndWholeAnswer() throws {
        let provider = try Self.provider("openai-responses", config: ["base_url": "https://api.openai.com/v1"])
        let built = try provider.buildRequest([
            "model": "o4-mini", "stream": true,
            "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Weather?"],
                         ["role": "assistant", "content": "", "tool_calls": [["id": "call_A", "type": "function",
                                                                               "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]]]],
                         ["role": "tool", "tool_call_id": "call_A", "content": "sunny"]],
            "params": ["max_tokens": 64, "reasoning_effort": "low"],
            "tools": [["type": "function", "function": ["name": "get_weather", "description": "d", "parameters": ["type": "object"]]]],
            "tool_choice": ["name": "get_weather"],
        ])
        #expect(built["url"] == "https://api.openai.com/v1/responses")
        let body = try JSONParser.parse(try #require(built["body"]?.stringValue))
        #expect(body["instructions"] == "Be brief." && body["store"] == false && body["stream"] == true)
        #expect(body["max_output_tokens"] == 64 && body["max_tokens"] == nil && body["reasoning"] == ["effort": "low"])
        #expect(body["tools"] == [["type": "function", "name": "get_weather", "parameters": ["type": "object"], "description": "d"]], "flat tools")
        #expect(body["tool_choice"] == ["type": "function", "name": "get_weather"])
        let input = body["input"]?.arrayValue ?? []
        #expect(input.count == 3)
        #expect(input[1] == ["type": "function_call", "call_id": "call_A", "name": "get_weather", "arguments": #"{"city":"Paris"}"#])
        #expect(input[2] == ["type": "function_call_output", "call_id": "call_A", "output": "sunny"])

        let whole = try provider.parseResponse(Array(#"""
            {"id":"resp_1","object":"response","status":"completed","error":null,"incomplete_details":null,
             "output":[{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Think."}]},
                       {"type":"message","id":"m","role":"assistant","content":[{"type":"output_text","text":"Hello","annotations":[]}]},
                       {"type":"function_call","id":"fc_1","call_id":"call_B","name":"f","arguments":"{\"a\":1}"}],
             "usage":{"input_tokens":5,"output_tokens":9,"output_tokens_details":{"reasoning_tokens":4}}}
            """#.utf8))
        #expect(whole["text"] == "Hello" && whole["reasoning"] == "Think." && whole["finish_reason"] == "tool_calls" && whole["finish_detail"] == "completed")
        #expect(whole["calls"] == [["id": "call_B", "name": "f", "arguments": #"{"a":1}"#]] && whole["usage"]?["reasoning_tokens"] == 4)
        let missing = try provider.classifyError(status: 404, body: Array(#"{"error":{"message":"The model `x` does not exist","type":"invalid_request_error"}}"#.utf8))
        #expect(missing["class"] == "http_404" && missing["message"] == "The model `x` does not exist")
    }

    // MARK: Cohere v2 chat

    /// A tool plan (the model's reasoning before calling), then one call whose arguments
    /// stream in pieces; message-end with both token counts (the real ones are used).
    static let cohereToolStream = [
        sse("message-start", #"{"id":"m1","type":"message-start","delta":{"message":{"role":"assistant","content":[],"tool_plan":"","tool_calls":[],"citations":[]}}}"#),
        sse("tool-plan-delta", #"{"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will check the weather."}}}"#),
        sse("tool-call-start", #"{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"get_weather_1","type":"function","function":{"name":"get_weather","arguments":""}}}}}"#),
        sse("tool-call-delta", #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"{\"city\":"}}}}}"#),
        sse("tool-call-delta", #"{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":" \"Zürich\"}"}}}}}"#),
        sse("tool-call-end", #"{"type":"tool-call-end","index":0}"#),
        sse("message-end", #"{"type":"message-end","delta":{"finish_reason":"TOOL_CALL","usage":{"billed_units":{"input_tokens":20,"output_tokens":18},"tokens":{"input_tokens":900,"output_tokens":40}}}}"#),
    ].joined()

    @Test func cohereStreamToolPlanAndACall() throws {
        let provider = try Self.provider("cohere")
        let expected: [DecodedEvent] = [
            .reasoning("I will check the weather."),
            .toolCall(index: 0, id: "get_weather_1", name: "get_weather", arguments: ""),
            .toolCall(index: 0, id: "", name: "", arguments: #"{"city":"#),
            .toolCall(index: 0, id: "", name: "", arguments: #" "Zürich"}"#),
            .usage(input: 900, output: 40, reasoning: nil, cachedInput: nil),
            .finish(reason: "tool_calls", raw: "TOOL_CALL"),
            .end,
        ]
        #expect(try Self.decode(provider, Self.cohereToolStream) == expected)
        #expect(try Self.decode(provider, Self.cohereToolStream, splitEvery: 5) == expected)
        // Text, and a stream that ends in ERROR: an error in Cohere's words.
        let text = Self.sse("content-start", #"{"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":""}}}}"#)
            + Self.sse("content-delta", #"{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hi"}}}}"#)
            + Self.sse("message-end", #"{"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal failure"}}"#)
        #expect(try Self.decode(provider, text) == [.text("Hi"), .finish(reason: "other", raw: "ERROR"),
                                                   .error(message: "internal failure", code: "ERROR"), .end])
    }

    @Test func cohereRequestBodyWholeAnswerAndModels() throws {
        let provider = try Self.provider("cohere", config: ["base_url": "https://api.cohere.com"])
        let built = try provider.buildRequest([
            "model": "command-a-03-2025", "stream": false,
            "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Weather?"],
                         ["role": "assistant", "content": "I will look.", "tool_calls": [["id": "c1", "type": "function",
                                                                                          "function": ["name": "get_weather", "arguments": ["city": "Paris"]]]]],
                         ["role": "tool", "tool_call_id": "c1", "content": "sunny"]],
            "params": ["max_tokens": 64, "top_p": 0.5, "top_k": 40, "stop": "END", "temperature": 0.2],
            "tools": [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]]],
            "tool_choice": "required",
        ])
        #expect(built["url"] == "https://api.cohere.com/v2/chat")
        let body = try JSONParser.parse(try #require(built["body"]?.stringValue))
        #expect(body["p"] == 0.5 && body["k"] == 40 && body["stop_sequences"] == ["END"] && body["top_p"] == nil && body["max_tokens"] == 64)
        #expect(body["tool_choice"] == "REQUIRED" && body["stream"] == false)
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages[2]["tool_plan"] == "I will look." && messages[2]["content"] == nil)
        #expect(messages[2]["tool_calls"]?.arrayValue?.first?["function"]?["arguments"] == #"{"city":"Paris"}"#, "arguments as JSON text")
        #expect(messages[3] == ["role": "tool", "content": "sunny", "tool_call_id": "c1"])

        let whole = try provider.parseResponse(Array(#"""
            {"id":"x","finish_reason":"TOOL_CALL","message":{"role":"assistant","tool_plan":"Checking.",
             "tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
             "usage":{"billed_units":{"input_tokens":3,"output_tokens":7},"tokens":{"input_tokens":300,"output_tokens":7}}}
            """#.utf8))
        #expect(whole["reasoning"] == "Checking." && whole["finish_reason"] == "tool_calls" && whole["usage"]?["input_tokens"] == 300)
        #expect(whole["calls"] == [["id": "t1", "name": "f", "arguments": #"{"a":1}"#]])
        let listed = try provider.buildListModels()
        #expect(listed["url"] == "https://api.cohere.com/v1/models?endpoint=chat&page_size=1000")
        let models = try provider.parseListModels(Array(#"{"models":[{"name":"command-a-03-2025","endpoints":["chat"],"context_length":256000}]}"#.utf8))
        #expect(models == [["id": "command-a-03-2025", "context_window": 256000]])
        let unauthorized = try provider.classifyError(status: 401, body: Array(#"{"id":"e","message":"invalid api token"}"#.utf8))
        #expect(unauthorized["class"] == "auth_failed" && unauthorized["message"] == "invalid api token")
    }

    // MARK: Azure OpenAI

    @Test func azureURLsAndAuth() throws {
        let resource = "https://contoso.openai.azure.com"
        let request: JSONValue = ["model": "my-gpt4o", "messages": [["role": "user", "content": "hi"]], "params": ["api_version": "2025-01-01-preview", "temperature": 0.1]]
        // Deployment URLs: the model is the deployment, the configured api-version in the query, not in the body.
        let deployments = try Self.provider("azure-openai", config: ["base_url": .string(resource), "params": ["api_version": "2025-01-01-preview"]])
        let built = try deployments.buildRequest(request)
        #expect(built["url"] == "https://contoso.openai.azure.com/openai/deployments/my-gpt4o/chat/completions?api-version=2025-01-01-preview")
        let body = try JSONParser.parse(try #require(built["body"]?.stringValue))
        #expect(body["api_version"] == nil && body["temperature"] == 0.1 && body["stream_options"] == ["include_usage": true])
        // The v1 API: OpenAI's paths under /openai/v1.
        let v1 = try Self.provider("azure-openai", config: ["base_url": .string(resource + "/openai/v1")])
        #expect(try v1.buildRequest(request)["url"] == "https://contoso.openai.azure.com/openai/v1/chat/completions")
        #expect(try v1.buildListModels()["url"] == "https://contoso.openai.azure.com/openai/v1/models")
        // A deployment name cannot reach another path, and a bad api-version is refused at setup.
        #expect(throws: PluginCallError.self) { try deployments.buildRequest(["model": "../admin?x=", "messages": [["role": "user", "content": "hi"]]]) }
        #expect(throws: (any Error).self) { try Self.provider("azure-openai", config: ["base_url": .string(resource), "params": ["api_version": "x&y=1"]]) }

        // The key goes in api-key; an Entra ID token (a JWT) as a bearer; neither anywhere else.
        let key = "0123456789abcdef0123456789abcdef"
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2NvZ25pdGl2ZXNlcnZpY2VzLmF6dXJlLmNvbSJ9.c2lnbmF0dXJl"
        func headers(_ apiKey: String) throws -> [String: String] {
            guard case .success(let prepared) = ProviderCall.prepare(request, to: ProviderEndpoint(provider: deployments, apiKey: apiKey)) else {
                Issue.record("the request was not prepared")
                return [:]
            }
            #expect(!prepared.url.contains(apiKey))
            return Dictionary(prepared.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { a, _ in a })
        }
        let keyed = try headers(key)
        #expect(keyed["api-key"] == key && keyed["authorization"] == nil)
        let entra = try headers(jwt)
        #expect(entra["authorization"] == "Bearer \(jwt)" && entra["api-key"] == nil)
        // A key that only starts like a JWT is still a key.
        #expect(try headers("eyJnot-a-jwt")["api-key"] == "eyJnot-a-jwt")
    }

    // MARK: End to end against the simulator

    /// `studio bench`: TTFT on the simulator's schedule (first text token, not the events
    /// before it), 12 tokens from the wire's usage, ITL 4 ms; `studio eval` scores the
    /// simulator's tool calls 1.0; `studio models` lists its models; `plugins verify` passes.
    @Test(arguments: ["openai-responses", "cohere", "azure-openai", "bedrock"])
    func benchmarksEvaluatesListsAndVerifies(plugin: String) throws {
        let dir = TestSupport.temporaryDirectory("catalogue-\(plugin)")
        let studio = TestSupport.studioExecutable
        let bench = try TestSupport.run("/bin/sh", ["-c", "cd '\(dir.path)' && exec \"$0\" \"$@\"", studio, "bench",
                                                    "--provider", plugin, "--base-url", "simulator", "--model", "sim-ttft30-gap4-tok12",
                                                    "--runs", "2", "--no-warmup", "--json"])
        #expect(bench.status == 0, "\(bench.stderr)")
        let runs = try JSONParser.parse(bench.stdout)["runs"]?.arrayValue ?? []
        #expect(runs.count == 2)
        for run in runs {
            #expect(run["ok"] == true && run["output_tokens"] == 12 && run["tokens_estimated"] == false, "\(run)")
            let ttft = try #require(run["ttft_ms"]?.doubleValue)
            #expect(ttft >= 29.9 && ttft < 60, "ttft \(ttft)")
            let itl = try #require(run["itl_ms"]?.doubleValue)
            #expect(abs(itl - 4) < 1.5, "itl \(itl)")
        }

        let suite = dir.appendingPathComponent("suite.json")
        var document = EvalHTTPTests.suite.objectValue!
        document["format"] = "studio-suite/1"
        try JSONValue.object(document).jsonString.write(to: suite, atomically: true, encoding: .utf8)
        let eval = try TestSupport.run(studio, ["eval", "--suite", suite.path, "--provider", plugin, "--base-url", "simulator",
                                                "--model", "sim-ttft5-gap1-toolscall", "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let model = try #require(try JSONParser.parse(eval.stdout)["models"]?.arrayValue?.first)
        #expect(model["mean_score"] == 1.0 && model["pass_rate"] == 1.0, "\(model)")

        let listed = try TestSupport.run(studio, ["models", "--provider", plugin, "--base-url", "simulator", "--json"])
        #expect(listed.status == 0, "\(listed.stdout)\(listed.stderr)")
        #expect((try JSONParser.parse(listed.stdout)["models"]?.arrayValue ?? []).contains { $0["id"] == "sim-fast" })

        let library = TestSupport.buildDirectory.appendingPathComponent("libstudio_\(plugin.replacingOccurrences(of: "-", with: "_")).so").path
        let verified = try TestSupport.run(studio, ["plugins", "verify", library, "--json"])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }
}
