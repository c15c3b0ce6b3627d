import HostPlugins
import StudioJSON
import Testing

/// Recorded-stream fixtures for the openai provider, decoded through the C event path.
@Suite struct OpenAIDecoderTests {
    static let provider: ProviderInstance = {
        let plugin = try! PluginLoader.load(path: TestSupport.openAIPath)
        return try! plugin.makeProvider(config: ["base_url": "https://api.example.test/v1"])
    }()

    static let request: JSONValue = ["model": "m", "messages": [["role": "user", "content": "hi"]]]

    /// Feeds `reads` one by one; returns events grouped per read.
    func decode(_ reads: [[UInt8]]) throws -> [[DecodedEvent]] {
        let decoder = try Self.provider.makeDecoder(for: Self.request)
        var groups: [[DecodedEvent]] = []
        for read in reads {
            var events: [DecodedEvent] = []
            try decoder.decode(read) { events.append($0) }
            groups.append(events)
        }
        var tail: [DecodedEvent] = []
        try decoder.finish { tail.append($0) }
        groups.append(tail)
        return groups
    }

    func chunk(_ delta: String, finish: String? = nil) -> String {
        let f = finish.map { ",\"finish_reason\":\"\($0)\"" } ?? ""
        return "data: {\"choices\":[{\"index\":0,\"delta\":\(delta)\(f)}]}\n\n"
    }

    @Test func roleOnlyAndEmptyChunksEmitNoToken() throws {
        let groups = try decode([Array(chunk(#"{"role":"assistant"}"#).utf8),
                                 Array(chunk(#"{"content":""}"#).utf8),
                                 Array(": keep-alive\n\n".utf8),
                                 Array(chunk(#"{"content":"Hi"}"#).utf8)])
        #expect(groups[0].isEmpty && groups[1].isEmpty && groups[2].isEmpty)
        #expect(groups[3] == [.text("Hi")])
    }

    @Test func severalEventsInOneReadAreAllDecoded() throws {
        let merged = chunk(#"{"content":"a"}"#) + chunk(#"{"content":"b"}"#) + chunk(#"{"content":"c"}"#)
        let groups = try decode([Array(merged.utf8)])
        #expect(groups[0] == [.text("a"), .text("b"), .text("c")])
    }

    @Test func anEventSplitInsideAUTF8CharacterWaitsForTheRest() throws {
        let bytes = Array(chunk(#"{"content":"wörld"}"#).utf8)
        let split = bytes.firstIndex(of: 0xC3)! + 1  // between the two bytes of "ö"
        let groups = try decode([Array(bytes[..<split]), Array(bytes[split...])])
        #expect(groups[0].isEmpty)
        #expect(groups[1] == [.text("wörld")])
    }

    @Test func crlfLineEndingsSplitAcrossReads() throws {
        let text = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\r\n\r\n"
        let bytes = Array(text.utf8)
        let groups = try decode([Array(bytes[..<(bytes.count - 3)]), Array(bytes[(bytes.count - 3)...])])
        #expect(groups.flatMap { $0 } == [.text("x")])
    }

    @Test func toolCallFragmentsKeepTheirIndex() throws {
        let stream = chunk(#"{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}"#)
            + chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}"#)
            + chunk(#"{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"get_time","arguments":"{}"}}]}"#)
            + chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}"#, finish: "tool_calls")
        let events = try decode([Array(stream.utf8)]).flatMap { $0 }
        #expect(events == [
            .toolCall(index: 0, id: "call_1", name: "get_weather", arguments: ""),
            .toolCall(index: 0, id: "", name: "", arguments: "{\"city\":"),
            .toolCall(index: 1, id: "call_2", name: "get_time", arguments: "{}"),
            .toolCall(index: 0, id: "", name: "", arguments: "\"Paris\"}"),
            .finish(reason: "tool_calls", raw: "tool_calls"),
        ])
    }

    @Test func compatibleServersWithoutIndexAreKeyedByID() throws {
        let stream = chunk(#"{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{}"}}]}"#)
            + chunk(#"{"tool_calls":[{"id":"b","function":{"name":"g","arguments":"{}"}}]}"#)
            + chunk(#"{"tool_calls":[{"id":"a","function":{"arguments":" "}}]}"#)
        let indices = try decode([Array(stream.utf8)]).flatMap { $0 }.compactMap { event -> Int? in
            if case .toolCall(let index, _, _, _) = event { return index }
            return nil
        }
        #expect(indices == [0, 1, 0])
    }

    @Test func usageOnlyFinalChunkAndDone() throws {
        let stream = chunk(#"{"content":"ok"}"#, finish: "stop")
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1,\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n"
            + "data: [DONE]\n\n"
        let events = try decode([Array(stream.utf8)]).flatMap { $0 }
        #expect(events == [.text("ok"), .finish(reason: "stop", raw: "stop"),
                           .usage(input: 12, output: 1, reasoning: 0, cachedInput: nil), .end])
    }

    @Test func reasoningDeltasAreTokensToo() throws {
        let events = try decode([Array(chunk(#"{"reasoning_content":"thinking"}"#).utf8)]).flatMap { $0 }
        #expect(events == [.reasoning("thinking")])
        #expect(events[0].carriesToken)
    }

    @Test func unterminatedLastEventIsFlushedAtFinish() throws {
        let groups = try decode([Array("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tail\"}}]}".utf8)])
        #expect(groups[0].isEmpty)
        #expect(groups[1] == [.text("tail")])
    }

    @Test func malformedJSONIsAProtocolError() throws {
        let decoder = try Self.provider.makeDecoder(for: Self.request)
        do {
            try decoder.decode(Array("data: {\"choices\":[{\"delta\":\n\n".utf8)) { _ in }
            Issue.record("malformed event accepted")
        } catch {
            #expect(error.isMalformedStream)
            #expect(error.statusName == "malformed_stream")
        }
    }

    @Test func errorEventInsideTheStream() throws {
        let events = try decode([Array("data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n".utf8)]).flatMap { $0 }
        #expect(events == [.error(message: "overloaded", code: "server_error")])
    }

    @Test func buildRequestAddsStreamingUsageAndParams() throws {
        let http = try Self.provider.buildRequest([
            "model": "gpt-4o", "messages": [["role": "user", "content": "hi"]],
            "params": ["temperature": 0.2, "max_tokens": 64],
            "tools": [["type": "function", "function": ["name": "f", "parameters": ["type": "object"]]]],
            "tool_choice": "required",
        ])
        #expect(http["url"]?.stringValue == "https://api.example.test/v1/chat/completions")
        let body = try JSONParser.parse(http["body"]!.stringValue!)
        #expect(body["stream"]?.boolValue == true)
        #expect(body["stream_options"]?["include_usage"]?.boolValue == true)
        #expect(body["temperature"]?.doubleValue == 0.2)
        #expect(body["max_tokens"]?.intValue == 64)
        #expect(body["tool_choice"]?.stringValue == "required")
        #expect(http["headers"]?.arrayValue?.contains { $0.arrayValue?.first?.stringValue == "Authorization" } == false,
                "the plugin never sees or sets the API key")
    }

    @Test func parseResponseAndClassifyError() throws {
        let body = #"{"choices":[{"message":{"content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"a\":5.0}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":7}}"#
        let parsed = try Self.provider.parseResponse(Array(body.utf8))
        #expect(parsed["calls"]?.arrayValue?.first?["arguments"]?.stringValue == "{\"a\":5.0}")
        #expect(parsed["usage"]?["output_tokens"]?.intValue == 7)
        #expect(try Self.provider.classifyError(status: 401, body: [])["class"]?.stringValue == "auth_failed")
        #expect(try Self.provider.classifyError(status: 503, body: [])["class"]?.stringValue == "http_503")
    }
}
