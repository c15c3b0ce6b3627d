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
        "openai-responses": ("openai_responses", "/v1"), "cohere-chat": ("cohere", ""), "ollama": ("ollama", ""),
        "bedrock-converse": ("bedrock", ""),
    ]

    static let loaded: [String: LoadedPlugin] = providers.mapValues { entry in
        do { return try PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_\(entry.plugin).so").path) }
        catch { fatalError("the bundled \(entry.plugin) plugin does not load: \(error)") }
    }

    static func plugin(for format: String) throws -> LoadedPlugin { try #require(loaded[format]) }

    static var captures: [CaptureLibrary.Capture] { library.captures.values.sorted { $0.id < $1.id } }

    @Test func theCorpusCoversEveryWireFormatWithProvenance() throws {
        let all = Self.captures
        #expect(all.count >= 100)
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

    /// A corpus from elsewhere cannot make the simulator serve a file outside its folder,
    /// nor crash it with a status that is not one.
    @Test func aCaptureIndexIsCheckedBeforeAnythingIsServed() throws {
        for (file, status, complaint) in [("../secret.sse", 200, "outside its folder"), ("/etc/passwd", 200, "outside its folder"),
                                          ("ok.sse", 1200, "not an HTTP status")] {
            let folder = TestSupport.temporaryDirectory("bad-captures")
            try Data("data: {}\n\n".utf8).write(to: folder.appendingPathComponent("ok.sse"))
            let index: JSONValue = [["id": "x", "file": .string(file), "format": "openai-chat", "http_status": .int(Int64(status))]]
            try Data(index.jsonString.utf8).write(to: folder.appendingPathComponent("index.json"))
            #expect(throws: CaptureLibraryError.self) { try CaptureLibrary(folders: [folder.path]) }
            do { _ = try CaptureLibrary(folders: [folder.path]) } catch { #expect("\(error)".contains(complaint)) }
        }
    }

    /// A measured call, in the index's terms.
    static func outcome(_ record: CallRecord) -> CaptureOutcome {
        var outcome = CaptureOutcome()
        outcome.text = record.text
        outcome.reasoning = record.reasoning
        outcome.toolCalls = record.toolCalls.map { CaptureOutcome.ToolCall(name: $0.name, arguments: .string($0.arguments)) }
        outcome.finish = record.finishDetail
        (outcome.inputTokens, outcome.outputTokens, outcome.reasoningTokens) = (record.usageInput, record.usageOutput, record.usageReasoning)
        outcome.failed = !record.succeeded
        outcome.failure = record.failure.map { "\($0.errorClass): \($0.message)" }
        return outcome
    }

    @Test func everyRecordedWholeBodyParsesToItsExpectedResult() throws {
        var problems: [String] = []
        var checked = 0
        for capture in Self.captures where !capture.isStream && capture.status == 200 && Self.providers[capture.format] != nil {
            let provider = try Self.plugin(for: capture.format).makeProvider(config: ["base_url": "https://api.example.test/v1"])
            let outcome = CaptureOutcome(parsing: capture.body, with: provider)
            checked += 1
            for difference in outcome.differences(from: CaptureOutcome(expected: capture.entry["expected"] ?? .null, format: capture.format)) {
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

    /// `studio plugins verify --captures` as a plugin author runs it: every capture of the
    /// plugin's format decoded in the sandboxed runner, and a capture whose expectation the
    /// plugin does not meet fails the command, naming the capture and the field.
    @Test func verifyHoldsAPluginToTheCaptures() throws {
        let openAI = TestSupport.buildDirectory.appendingPathComponent("libstudio_openai.so").path
        let passing = try TestSupport.run(TestSupport.studioExecutable, ["plugins", "verify", openAI, "--captures", Self.folder])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        #expect(passing.stdout.contains("PASS  capture groq-stream-x-groq-usage"))
        #expect(!passing.stdout.contains("capture gemini-"))  // another plugin's format
        for other in ["anthropic", "gemini"] {
            let library = TestSupport.buildDirectory.appendingPathComponent("libstudio_\(other).so").path
            let result = try TestSupport.run(TestSupport.studioExecutable, ["plugins", "verify", library, "--captures", Self.folder])
            #expect(result.status == 0, "\(other): \(result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") })")
        }

        let folder = TestSupport.temporaryDirectory("captures")
        let source = try #require(Self.library.captures["openai-stream-refusal"])
        try Data(source.body).write(to: folder.appendingPathComponent("refusal.sse"))
        var entry = try #require(source.entry.objectValue)
        entry["file"] = "refusal.sse"
        var expected = entry["expected"]?.objectValue ?? [:]
        expected["refusal"] = "Something else entirely."
        entry["expected"] = .object(expected)
        try Data(JSONValue.array([.object(entry)]).jsonString.utf8).write(to: folder.appendingPathComponent("index.json"))
        let failing = try TestSupport.run(TestSupport.studioExecutable, ["plugins", "verify", openAI, "--captures", folder.path])
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("FAIL  capture openai-stream-refusal: text: got"), "\(failing.stdout)")
    }

    /// Azure OpenAI's recordings (filter chunks, reasoning tokens, a missing deployment) and
    /// Vertex AI's (a flex-tier stream, a blocked prompt, an error) through their own
    /// plugins as well, at their own URLs: the wire each shares with the openai or gemini
    /// plugin, reached the Azure or Vertex way (Vertex with a bearer token).
    @Test(arguments: [("azure", "openai-chat", "azure_openai", "", "k-capture"),
                      ("vertex", "gemini", "vertex", "/v1/projects/p/locations/us-central1", "sim-access-capture")])
    func vendorRecordingsThroughTheirOwnPlugin(vendor: String, format: String, library: String, path: String, key: String) async throws {
        let simulator = try await EmbeddedSimulator.start(captures: Self.library)
        let transport = Transport()
        let plugin = try PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_\(library).so").path)
        let endpoint = ProviderEndpoint(provider: try plugin.makeProvider(config: ["base_url": .string(simulator.baseURL + path)]), apiKey: key)
        var problems: [String] = []
        var checked = 0
        for capture in Self.captures where capture.entry["vendor"]?.stringValue == vendor && capture.format == format && !capture.isJSONArrayStream {
            let request: JSONValue = ["model": .string("replay-" + capture.id), "stream": .bool(capture.isStream),
                                      "messages": [["role": "user", "content": "hi"]], "params": ["max_tokens": 64]]
            checked += 1
            if capture.status != 200 {
                let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
                if record.failure == nil || !["http_\(capture.status)", "auth_failed", "rate_limited"].contains(record.failure!.errorClass.description) {
                    problems.append("\(capture.id): \(String(describing: record.failure))")
                }
            } else if capture.isStream {
                let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
                for difference in Self.outcome(record).differences(from: CaptureOutcome(expected: capture.entry["expected"] ?? .null, format: capture.format)) {
                    problems.append("\(capture.id): \(difference)")
                }
            } else {
                let outcome = CaptureOutcome(parsing: capture.body, with: endpoint.provider)
                for difference in outcome.differences(from: CaptureOutcome(expected: capture.entry["expected"] ?? .null, format: capture.format)) {
                    problems.append("\(capture.id): \(difference)")
                }
            }
        }
        try await transport.shutdown()
        await simulator.stop()
        #expect(checked >= 3, "\(vendor): \(checked) recordings")
        #expect(problems.isEmpty, Comment(rawValue: "\(problems.count) differences:\n" + problems.joined(separator: "\n")))
    }

    @Test func everyRecordedStreamDecodesToItsExpectedResult() async throws {
        let simulator = try await EmbeddedSimulator.start(captures: Self.library)
        let transport = Transport()
        var problems: [String] = []
        var checked = 0
        for capture in Self.captures where capture.isStream && capture.status == 200 && Self.providers[capture.format] != nil {
            if capture.isJSONArrayStream { continue }  // we ask for SSE
            let (_, path) = Self.providers[capture.format]!
            let endpoint = ProviderEndpoint(provider: try Self.plugin(for: capture.format).makeProvider(config: ["base_url": .string(simulator.baseURL + path)]),
                                            apiKey: "k-capture")
            let expected = CaptureOutcome(expected: capture.entry["expected"] ?? .null, format: capture.format)
            var outcomes: [CaptureOutcome] = []
            for suffix in ["", "--split7"] {
                let request: JSONValue = ["model": .string("replay-" + capture.id + suffix), "stream": true,
                                          "messages": [["role": "user", "content": "hi"]], "params": ["max_tokens": 64]]
                let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
                outcomes.append(Self.outcome(record))
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
