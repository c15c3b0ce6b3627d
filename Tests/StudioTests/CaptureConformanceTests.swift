import Foundation
import HostMeasurement
import HostPlugins
import HostProviderCalls
import HostSimulator
import HostTransport
import StudioJSON
import Testing

/// Bytes others recorded (Tests/Fixtures/captures, docs/captures.md): every bundled provider
/// decodes every capture of its wire format to what the capture's index says — values
/// written by reading the bytes and cross-checked against the official SDKs
/// (scripts/captures/sdk-check), never produced by our decoders. Streams are replayed by
/// the simulator over real HTTP into `ProviderCall`, the path every benchmark takes, whole
/// and cut every 7 bytes.
@Suite(.serialized) struct CaptureConformanceTests {
    static let folder = TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/captures").path
    static let library: CaptureLibrary = {
        do { return try CaptureLibrary(folders: [folder]) } catch { fatalError("the capture corpus does not load: \(error)") }
    }()

    /// The bundled plugin and the base URL path for each wire format.
    static let providers: [String: (plugin: String, path: String)] = [
        "openai-chat": ("openai", "/v1"), "anthropic-messages": ("anthropic", "/v1"), "gemini": ("gemini", "/v1beta"),
    ]

    static let loaded: [String: LoadedPlugin] = providers.mapValues { entry in
        do { return try PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_\(entry.plugin).so").path) }
        catch { fatalError("the bundled \(entry.plugin) plugin does not load: \(error)") }
    }

    static func plugin(for format: String) throws -> LoadedPlugin { try #require(loaded[format]) }

    static var captures: [CaptureLibrary.Capture] { library.captures.values.sorted { $0.id < $1.id } }

    @Test func theCorpusCoversEveryWireFormatWithProvenance() throws {
        let all = Self.captures
        #expect(all.count >= 40)
        for format in Self.providers.keys {
            let mine = all.filter { $0.format == format }
            #expect(mine.contains { $0.isStream && $0.status == 200 }, "\(format): a stream")
            #expect(mine.contains { !$0.isStream && $0.status == 200 }, "\(format): a whole body")
            #expect(mine.contains { $0.status != 200 }, "\(format): an error body")
        }
        for capture in all {
            let source = capture.entry["source"]
            #expect(source?["repo"]?.stringValue?.contains("/") == true, "\(capture.id): source.repo")
            #expect(source?["path"]?.stringValue?.isEmpty == false, "\(capture.id): source.path")
            #expect(source?["commit"]?.stringValue?.count == 40, "\(capture.id): source.commit")
            #expect(source?["licence"]?.stringValue?.isEmpty == false, "\(capture.id): source.licence")
            #expect(capture.entry["expected"]?.objectValue != nil, "\(capture.id): expected")
        }
    }

    /// What a stream decoded to, in the index's terms.
    struct Outcome: Equatable, CustomStringConvertible {
        var text = "", reasoning = "", refusal: String?
        var toolCalls: [ToolCall] = []
        var finish: String?
        var input: Int?, output: Int?, reasoningTokens: Int?
        var failed = false
        /// Why it failed (not compared: messages are ours).
        var failure: String?

        static func == (a: Outcome, b: Outcome) -> Bool {
            (a.text, a.reasoning, a.refusal, a.toolCalls, a.finish, a.failed) == (b.text, b.reasoning, b.refusal, b.toolCalls, b.finish, b.failed)
                && (a.input, a.output, a.reasoningTokens) == (b.input, b.output, b.reasoningTokens)
        }

        var description: String {
            "text \(text.prefix(60).debugDescription)… reasoning \(reasoning.count) chars, tools \(toolCalls), finish \(finish ?? "nil"), "
                + "tokens in \(input.map(String.init) ?? "nil") out \(output.map(String.init) ?? "nil") reasoning \(reasoningTokens.map(String.init) ?? "nil"), failed \(failure ?? "no")"
        }

        init(record: CallRecord) {
            text = record.text
            reasoning = record.reasoning
            toolCalls = record.toolCalls.map { Self.call($0.name, ((try? JSONParser.parse($0.arguments.isEmpty ? "{}" : $0.arguments)) ?? .string($0.arguments))) }
            finish = record.finishDetail
            (input, output, reasoningTokens) = (record.usageInput, record.usageOutput, record.usageReasoning)
            failed = !record.succeeded
            failure = record.failure.map { "\($0.errorClass): \($0.message)" }
        }

        /// `format`: Gemini's output count leaves its thoughts out, which the studio adds
        /// (output as billed, docs/measurement.md); the index keeps the wire's numbers.
        init(expected e: JSONValue, format: String = "") {
            text = e["text"]?.stringValue ?? ""
            reasoning = e["reasoning_text"]?.stringValue ?? ""
            refusal = e["refusal"]?.stringValue
            toolCalls = (e["tool_calls"]?.arrayValue ?? []).map { Self.call($0["name"]?.stringValue ?? "", $0["arguments"] ?? .null) }
            // A blocked prompt has no finish of its own: its block reason ends it.
            finish = e["finish_reason"]?.stringValue ?? e["block_reason"]?.stringValue
            input = e["input_tokens"]?.intValue.map(Int.init)
            output = e["output_tokens"]?.intValue.map(Int.init)
            reasoningTokens = e["reasoning_tokens"]?.intValue.map(Int.init)
            if format == "gemini", output != nil || reasoningTokens != nil { output = (output ?? 0) + (reasoningTokens ?? 0) }
            failed = !(e["error"]?.isNull ?? true)
        }

        struct ToolCall: Equatable, CustomStringConvertible {
            let name: String
            let arguments: JSONValue
            var description: String { "\(name)(\(arguments.jsonString))" }
        }

        static func call(_ name: String, _ arguments: JSONValue) -> ToolCall {
            // An empty argument object may be sent as "" by some servers: both mean {}.
            ToolCall(name: name, arguments: arguments == .string("") || arguments == .null ? [:] : arguments)
        }

        /// The fields that differ, named.
        func differences(from expected: Outcome) -> [String] {
            var out: [String] = []
            func check<T: Equatable>(_ name: String, _ mine: T, _ theirs: T) {
                if mine != theirs { out.append("\(name): got \(mine), expected \(theirs)") }
            }
            // A refusal is the answer's text as far as a benchmark is concerned.
            check("text", text, expected.text + (expected.refusal ?? ""))
            check("reasoning", reasoning, expected.reasoning)
            check("tool calls", toolCalls, expected.toolCalls)
            check("finish", finish, expected.finish)
            check("input tokens", input, expected.input)
            check("output tokens", output, expected.output)
            check("reasoning tokens", reasoningTokens, expected.reasoningTokens)
            check("failed", failed, expected.failed)
            return out
        }
    }

    /// A whole (not streamed) body through the plugin's parse_response.
    static func outcome(parsing body: [UInt8], with provider: ProviderInstance) -> Outcome {
        var outcome = Outcome(expected: [:])
        do {
            let parsed = try provider.parseResponse(body)
            outcome.text = parsed["text"]?.stringValue ?? ""
            outcome.reasoning = parsed["reasoning"]?.stringValue ?? ""
            outcome.toolCalls = (parsed["calls"]?.arrayValue ?? []).map { call in
                let arguments = call["arguments"] ?? .null
                return Outcome.call(call["name"]?.stringValue ?? "", arguments.stringValue.flatMap { try? JSONParser.parse($0) } ?? arguments)
            }
            outcome.finish = parsed["finish_detail"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            let usage = parsed["usage"]
            outcome.input = usage?["input_tokens"]?.intValue.map(Int.init)
            outcome.output = usage?["output_tokens"]?.intValue.map(Int.init)
            outcome.reasoningTokens = usage?["reasoning_tokens"]?.intValue.map(Int.init)
        } catch {
            outcome.failed = true
            outcome.failure = "\(error)"
        }
        return outcome
    }

    @Test func everyRecordedWholeBodyParsesToItsExpectedResult() throws {
        var problems: [String] = []
        var checked = 0
        for capture in Self.captures where !capture.isStream && capture.status == 200 && Self.providers[capture.format] != nil {
            let provider = try Self.plugin(for: capture.format).makeProvider(config: ["base_url": "https://api.example.test/v1"])
            let outcome = Self.outcome(parsing: capture.body, with: provider)
            checked += 1
            for difference in outcome.differences(from: Outcome(expected: capture.entry["expected"] ?? .null, format: capture.format)) {
                problems.append("\(capture.id): \(difference)")
            }
        }
        #expect(checked >= 12)
        #expect(problems.isEmpty, Comment(rawValue: "\(problems.count) differences:\n" + problems.joined(separator: "\n")))
    }

    /// Error bodies as the providers sent them, with their status, replayed through the
    /// whole call path: the run fails with the class its status means, and the message the
    /// provider wrote reaches the user.
    @Test func everyRecordedErrorIsClassifiedWithTheProvidersMessage() async throws {
        let simulator = try await EmbeddedSimulator.start(captures: Self.library)
        let transport = Transport()
        var problems: [String] = []
        var checked = 0
        for capture in Self.captures where capture.status != 200 && Self.providers[capture.format] != nil {
            let (_, path) = Self.providers[capture.format]!
            let endpoint = ProviderEndpoint(provider: try Self.plugin(for: capture.format).makeProvider(config: ["base_url": .string(simulator.baseURL + path)]),
                                            apiKey: "k-capture")
            let request: JSONValue = ["model": .string("replay-" + capture.id), "stream": true,
                                      "messages": [["role": "user", "content": "hi"]], "params": ["max_tokens": 64]]
            let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
            checked += 1
            guard let failure = record.failure else { problems.append("\(capture.id): a \(capture.status) passed as a success"); continue }
            let expectedClass: ErrorClass = switch capture.status {
            case 429: .rateLimited
            case 401, 403: .authFailed
            default: .http(capture.status)
            }
            // An invalid API key is a 400 for Gemini: the plugin knows it is an auth failure.
            let message = capture.entry["expected"]?["error"]?["message"]?.stringValue ?? ""
            if failure.errorClass != expectedClass && !(capture.status == 400 && failure.errorClass == .authFailed && message.contains("API key")) {
                problems.append("\(capture.id): class \(failure.errorClass), expected \(expectedClass)")
            }
            if !message.isEmpty && !failure.message.contains(String(message.prefix(60))) {
                problems.append("\(capture.id): message \(failure.message.debugDescription) does not carry the provider's \(message.prefix(60).debugDescription)")
            }
        }
        try await transport.shutdown()
        await simulator.stop()
        #expect(checked >= 12)
        #expect(problems.isEmpty, Comment(rawValue: "\(problems.count) differences:\n" + problems.joined(separator: "\n")))
    }

    @Test func everyRecordedStreamDecodesToItsExpectedResult() async throws {
        let simulator = try await EmbeddedSimulator.start(captures: Self.library)
        let transport = Transport()
        var problems: [String] = []
        var checked = 0
        for capture in Self.captures where capture.isStream && capture.status == 200 && Self.providers[capture.format] != nil {
            if capture.entry["exercises"]?.arrayValue?.contains(.string("json-array-stream")) == true { continue }  // we ask for SSE
            let (_, path) = Self.providers[capture.format]!
            let endpoint = ProviderEndpoint(provider: try Self.plugin(for: capture.format).makeProvider(config: ["base_url": .string(simulator.baseURL + path)]),
                                            apiKey: "k-capture")
            let expected = Outcome(expected: capture.entry["expected"] ?? .null, format: capture.format)
            var outcomes: [Outcome] = []
            for suffix in ["", "--split7"] {
                let request: JSONValue = ["model": .string("replay-" + capture.id + suffix), "stream": true,
                                          "messages": [["role": "user", "content": "hi"]], "params": ["max_tokens": 64]]
                let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
                outcomes.append(Outcome(record: record))
                if suffix.isEmpty, record.succeeded, !record.text.isEmpty || !record.toolCalls.isEmpty {
                    if record.metrics(prices: nil).ttftMs == nil { problems.append("\(capture.id): a token but no TTFT") }
                }
            }
            checked += 1
            for difference in outcomes[0].differences(from: expected) { problems.append("\(capture.id): \(difference)") }
            if outcomes[1] != outcomes[0] { problems.append("\(capture.id): cut every 7 bytes it decodes to \(outcomes[1]), whole to \(outcomes[0])") }
        }
        try await transport.shutdown()
        await simulator.stop()
        #expect(checked >= 25)
        #expect(problems.isEmpty, Comment(rawValue: "\(problems.count) differences:\n" + problems.joined(separator: "\n")))
    }
}
