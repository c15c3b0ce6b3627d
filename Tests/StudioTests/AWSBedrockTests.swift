import AWSEventStream
import Foundation
import HostPlugins
import HostProviderCalls
import StudioJSON
import Testing

/// What the Bedrock plugin stands on: SigV4 signing in the host (checked against botocore,
/// AWS's own signer), the binary event-stream framing (checked against frames built by
/// Python's zlib CRC-32 in the manifest's sample, and against damage), and the plugin's
/// decoder on the events ConverseStream sends.
@Suite struct AWSBedrockTests {
    // MARK: SigV4

    /// Signatures botocore 1.43.11 computed for the same requests at 2026-01-02T03:04:05Z
    /// (scripts/aws/sigv4_vectors.py prints them): a model id whose ':' is encoded in the
    /// path (signed encoded twice), temporary credentials, a query to sort.
    static let botocoreVectors: [(url: String, method: String, headers: [(String, String)], body: String?, token: String?, authorization: String)] = [
        ("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream", "POST",
         [("Content-Type", "application/json"), ("Accept", "application/vnd.amazon.eventstream")],
         #"{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"inferenceConfig":{"maxTokens":64}}"#, nil,
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260102/us-east-1/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=58a97e2113b521ea1cfa9f58334839621e4f3587450dc2d0036976def40ea996"),
        ("https://bedrock-runtime.eu-central-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse", "POST",
         [("Content-Type", "application/json"), ("Accept", "application/json")],
         #"{"messages":[{"role":"user","content":[{"text":"Grüße"}]}]}"#, "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/==",
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260102/eu-central-1/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature=87b3933b3071823606204f533d3933ad489340482969b5484da4a7f0bedb66ed"),
        ("https://bedrock.us-west-2.amazonaws.com/foundation-models?byProvider=Anthropic&byOutputModality=TEXT", "GET",
         [("Accept", "application/json")], nil, nil,
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260102/us-west-2/bedrock/aws4_request, SignedHeaders=accept;host;x-amz-date, Signature=dc4a4962330a8fe773d7433546a59d10bc9074f1a999052890c20c5aa40fe4f8"),
    ]
    static let when = Date(timeIntervalSince1970: 1_767_323_045)  // 2026-01-02T03:04:05Z

    @Test func signaturesAgreeWithBotocore() throws {
        for vector in Self.botocoreVectors {
            let key = "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" + (vector.token.map { ":" + $0 } ?? "")
            let signer = try #require(AWSSigV4(key: key, service: "bedrock"))
            let added = try signer.sign(method: vector.method, url: vector.url, headers: vector.headers,
                                        body: vector.body.map { Array($0.utf8) }, date: Self.when)
            let headers = Dictionary(added, uniquingKeysWith: { a, _ in a })
            #expect(headers["Authorization"] == vector.authorization, "\(vector.url)")
            #expect(headers["X-Amz-Date"] == "20260102T030405Z")
            #expect(headers["X-Amz-Security-Token"] == vector.token)
        }
        #expect(AWSSigV4.region(host: "bedrock-runtime.ap-southeast-2.amazonaws.com") == "ap-southeast-2")
        #expect(AWSSigV4.region(host: "127.0.0.1") == "us-east-1", "a proxy or the simulator: the default region")
    }

    /// The key decides: AWS credentials are signed with SigV4; anything else (a Bedrock API
    /// key) goes as a bearer; the secret itself is never on the wire; a prepared request
    /// kept longer than 4 minutes (a long load test) is signed again.
    @Test func bedrockKeysAreSignedOrSentAsBearer() throws {
        let plugin = try PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_bedrock.so").path)
        let instance = try plugin.makeProvider(config: ["base_url": "https://bedrock-runtime.us-east-1.amazonaws.com"])
        let request: JSONValue = ["model": "anthropic.claude-3-5-haiku-20241022-v1:0", "messages": [["role": "user", "content": "Hi"]]]
        func prepared(_ key: String) throws -> PreparedCall {
            guard case .success(let call) = ProviderCall.prepare(request, to: ProviderEndpoint(provider: instance, apiKey: key)) else {
                throw CancellationError()
            }
            return call
        }
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let signed = try prepared("AKIAIOSFODNN7EXAMPLE:" + secret)
        #expect(signed.url == "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream")
        let authorization = try #require(signed.headers.first { $0.0 == "Authorization" }?.1)
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/") && !authorization.contains(secret))
        #expect(!signed.headers.contains { $0.1.contains(secret) } && signed.signedAt != nil)
        // Within 4 minutes the same signature; after, a fresh one (a new date).
        let now = try #require(signed.signedAt)
        #expect(signed.currentHeaders(now: now.addingTimeInterval(60)).map(\.1) == signed.headers.map(\.1))
        let later = signed.currentHeaders(now: now.addingTimeInterval(600))
        #expect(later.first { $0.0 == "X-Amz-Date" }?.1 != signed.headers.first { $0.0 == "X-Amz-Date" }?.1)

        let bearer = try prepared("ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl")
        #expect(bearer.headers.contains { $0 == ("Authorization", "Bearer ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl") } && bearer.signedAt == nil)
    }

    // MARK: The event stream

    static func frame(_ type: String, _ payload: String, messageType: String = "event", extra: [(String, String)] = []) -> [UInt8] {
        EventStreamMessage.encode(headers: [(":event-type", type), (":content-type", "application/json"), (":message-type", messageType)] + extra,
                                  payload: Array(payload.utf8))
    }

    @Test func framesRoundTripAndDamageIsAnError() throws {
        let bytes = Self.frame("contentBlockDelta", #"{"delta":{"text":"Grüße"}}"#) + Self.frame("messageStop", #"{"stopReason":"end_turn"}"#)
        // The manifest's sample was framed by Python's zlib.crc32: our CRC agrees with it.
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926, "the standard check value")
        for size in [1, 3, 7, bytes.count] {
            var decoder = EventStreamDecoder()
            var messages: [EventStreamMessage] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                try Array(bytes[start..<min(bytes.count, start + size)]).withUnsafeBytes { try decoder.feed($0) { messages.append($0) } }
            }
            #expect(messages.map { $0.headers[":event-type"] } == ["contentBlockDelta", "messageStop"], "cut every \(size)")
            #expect(messages.first.map { String(decoding: $0.payload, as: UTF8.self) } == #"{"delta":{"text":"Grüße"}}"#)
            #expect(decoder.bufferedBytes == 0)
        }
        #expect(EventStreamMessage.messageEnds(bytes).count == 2)
        // One flipped bit in the payload, in the prelude, or a length past any limit.
        for (offset, complaint) in [(bytes.count / 4, "message checksum"), (2, "prelude checksum")] {
            var damaged = bytes
            damaged[offset] ^= 0x01
            var decoder = EventStreamDecoder()
            #expect { try damaged.withUnsafeBytes { try decoder.feed($0) { _ in } } } throws: { "\($0)".contains(complaint) }
        }
        var huge: [UInt8] = [0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        huge += withUnsafeBytes(of: CRC32.checksum(huge).bigEndian) { Array($0) }
        var decoder = EventStreamDecoder()
        #expect { try huge.withUnsafeBytes { try decoder.feed($0) { _ in } } } throws: { "\($0)".contains("impossible") }
    }

    /// ConverseStream as documented: reasoning, text, a tool call with split input, the
    /// stop, then metadata with usage; and Bedrock's mid-stream exception.
    @Test func converseStreamEvents() throws {
        let plugin = try PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_bedrock.so").path)
        let provider = try plugin.makeProvider(config: ["base_url": "http://127.0.0.1:9"])
        func decode(_ bytes: [UInt8], every size: Int) throws -> [DecodedEvent] {
            let decoder = try provider.makeDecoder(for: ["model": "m", "messages": [["role": "user", "content": "hi"]]])
            var events: [DecodedEvent] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                try decoder.decode(Array(bytes[start..<min(bytes.count, start + size)])) { events.append($0) }
            }
            try decoder.finish { events.append($0) }
            return events
        }
        let stream = Self.frame("messageStart", #"{"role":"assistant","p":"abc"}"#)
            + Self.frame("contentBlockDelta", #"{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"Weather needed."}}}"#)
            + Self.frame("contentBlockStop", #"{"contentBlockIndex":0}"#)
            + Self.frame("contentBlockDelta", #"{"contentBlockIndex":1,"delta":{"text":"Checking ☁"}}"#)
            + Self.frame("contentBlockStart", #"{"contentBlockIndex":2,"start":{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather"}}}"#)
            + Self.frame("contentBlockDelta", #"{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"city\":"}}}"#)
            + Self.frame("contentBlockDelta", #"{"contentBlockIndex":2,"delta":{"toolUse":{"input":"\"Oslo\"}"}}}"#)
            + Self.frame("contentBlockStop", #"{"contentBlockIndex":2}"#)
            + Self.frame("messageStop", #"{"stopReason":"tool_use"}"#)
            + Self.frame("metadata", #"{"usage":{"inputTokens":30,"outputTokens":25,"totalTokens":55},"metrics":{"latencyMs":800}}"#)
        let expected: [DecodedEvent] = [
            .reasoning("Weather needed."), .text("Checking ☁"),
            .toolCall(index: 2, id: "tooluse_1", name: "get_weather", arguments: ""),
            .toolCall(index: 2, id: "", name: "", arguments: #"{"city":"#), .toolCall(index: 2, id: "", name: "", arguments: #""Oslo"}"#),
            .finish(reason: "tool_calls", raw: "tool_use"), .usage(input: 30, output: 25, reasoning: nil, cachedInput: nil), .end,
        ]
        #expect(try decode(stream, every: stream.count) == expected)
        #expect(try decode(stream, every: 5) == expected)
        let throttled = Self.frame("messageStart", #"{"role":"assistant"}"#)
            + Self.frame("throttlingException", #"{"message":"Too many requests, please wait before trying again."}"#, messageType: "exception",
                         extra: [(":exception-type", "throttlingException")])
        #expect(try decode(throttled, every: 4) == [.error(message: "Too many requests, please wait before trying again.", code: "throttlingException"), .end])
        // A stream cut inside a message is malformed, not a short answer.
        #expect(throws: PluginCallError.self) { try decode(Array(stream.dropLast(3)), every: 64) }
    }

    @Test func converseRequestBody() throws {
        let plugin = try PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_bedrock.so").path)
        let provider = try plugin.makeProvider(config: ["base_url": "https://bedrock-runtime.us-east-1.amazonaws.com"])
        let built = try provider.buildRequest([
            "model": "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0", "stream": false,
            "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Weather?"],
                         ["role": "assistant", "content": "", "tool_calls": [["id": "t1", "type": "function",
                                                                               "function": ["name": "get_weather", "arguments": #"{"city":"Oslo"}"#]]]],
                         ["role": "tool", "tool_call_id": "t1", "content": "cold"]],
            "params": ["max_tokens": 64, "temperature": 0.2, "top_p": 0.9, "stop": "END", "top_k": 40],
            "tools": [["type": "function", "function": ["name": "get_weather", "description": "d", "parameters": ["type": "object"]]]],
            "tool_choice": "required",
        ])
        #expect(built["url"] == "https://bedrock-runtime.us-east-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-sonnet-4-20250514-v1%3A0/converse")
        let body = try JSONParser.parse(try #require(built["body"]?.stringValue))
        #expect(body["system"] == [["text": "Be brief."]])
        #expect(body["inferenceConfig"] == ["maxTokens": 64, "temperature": 0.2, "topP": 0.9, "stopSequences": ["END"]])
        #expect(body["additionalModelRequestFields"] == ["top_k": 40])
        #expect(body["toolConfig"]?["toolChoice"] == ["any": [:]])
        #expect(body["toolConfig"]?["tools"] == [["toolSpec": ["name": "get_weather", "description": "d", "inputSchema": ["json": ["type": "object"]]]]])
        let messages = body["messages"]?.arrayValue ?? []
        #expect(messages[1] == ["role": "assistant", "content": [["toolUse": ["toolUseId": "t1", "name": "get_weather", "input": ["city": "Oslo"]]]]])
        #expect(messages[2] == ["role": "user", "content": [["toolResult": ["toolUseId": "t1", "content": [["text": "cold"]]]]]])
        #expect(try provider.buildListModels()["url"] == "https://bedrock.us-east-1.amazonaws.com/foundation-models")
        let denied = try provider.classifyError(status: 403, body: Array(#"{"message":"The security token included in the request is invalid."}"#.utf8))
        #expect(denied["class"] == "auth_failed" && denied["message"] == "The security token included in the request is invalid.")
    }
}
