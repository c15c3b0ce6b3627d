import Foundation
import StudioJSON

/// The checks behind `studio plugins verify PATH`: loads one library and exercises what
/// it offers, reporting each check as pass or fail with a reason. The loader's own checks
/// (ELF, entry, ABI version, descriptor size, manifest schema, toolchain, init) come first.
public enum PluginConformance {
    public struct Check: Sendable {
        public let name: String
        public let passed: Bool
        public let detail: String

        public var json: JSONValue { ["check": .string(name), "passed": .bool(passed), "detail": .string(detail)] }
    }

    public struct Report: Sendable {
        public let path: String
        public let plugin: LoadedPlugin?
        public let checks: [Check]
        public var passed: Bool { checks.allSatisfy(\.passed) }
    }

    /// `isolated` (the default): the library is loaded and exercised in a sandboxed runner
    /// with deadlines, so a plugin that crashes or hangs fails the check it broke, by name,
    /// instead of taking `verify` down with it.
    /// `captures`: recorded responses the provider must decode to their expected values
    /// (those of its manifest's `api`; docs/captures.md).
    public static func verify(path: String, isolated: Bool = true, captures: CaptureLibrary? = nil) -> Report {
        var checks: [Check] = []
        let plugin: LoadedPlugin
        do {
            if isolated {
                var policy = PluginTrustPolicy()
                policy.runner.deadlines = .uniform(5_000)
                plugin = try PluginRegistry.loadIsolated(path: path, sha256: nil, origin: .explicit, policy: policy, id: nil)
            } else {
                plugin = try PluginLoader.load(path: path)
            }
        } catch {
            checks.append(Check(name: "load", passed: false, detail: error.description))
            return Report(path: path, plugin: nil, checks: checks)
        }
        checks.append(Check(name: "load", passed: true,
                            detail: "entry, ABI \(plugin.abiVersion), descriptor size, manifest schema, init"))
        checks.append(Check(name: "manifest", passed: true,
                            detail: "\(plugin.id) \(plugin.manifest.version), kinds \(plugin.kinds.joined(separator: ","))"))
        if plugin.kinds.contains("provider") {
            checks += providerChecks(plugin)
            if let captures { checks += captureChecks(plugin, captures) }
        }
        if plugin.kinds.contains("scorer") { checks += scorerChecks(plugin) }
        return Report(path: path, plugin: plugin, checks: checks)
    }

    // MARK: - Recorded responses

    /// One check per capture of the plugin's wire format: a stream is fed as 7-byte reads
    /// (cuts inside characters and JSON strings included) in one batch, a whole body goes
    /// through parse_response, an error body through classify_error.
    static func captureChecks(_ plugin: LoadedPlugin, _ library: CaptureLibrary) -> [Check] {
        let api = plugin.manifest.provider?["api"]?.stringValue ?? ""
        // Gemini's JSON-array stream form is recorded too, but no studio plugin asks for it
        // (they request SSE): it is the SDKs' business, not a decoder's.
        let mine = library.captures.values.filter { $0.format == api && !$0.isJSONArrayStream }.sorted { $0.id < $1.id }
        guard !mine.isEmpty else {
            return [Check(name: "captures", passed: false, detail: "none of the \(library.captures.count) captures is in this plugin's format (\(api))")]
        }
        let provider: ProviderInstance
        do { provider = try plugin.makeProvider(config: ["base_url": "http://127.0.0.1:9/v1"]) } catch {
            return [Check(name: "captures", passed: false, detail: error.description)]
        }
        let request: JSONValue = ["model": "m", "stream": true, "messages": [["role": "user", "content": "hi"]]]
        return mine.map { capture in
            let name = "capture \(capture.id)"
            let expected = CaptureOutcome(expected: capture.entry["expected"] ?? .null, format: capture.format)
            if capture.status != 200 {
                do throws(PluginCallError) {
                    let verdict = try provider.classifyError(status: capture.status, body: capture.body)
                    let message = capture.entry["expected"]?["error"]?["message"]?.stringValue ?? ""
                    let said = verdict["message"]?.stringValue ?? ""
                    let ok = verdict["class"]?.stringValue != nil && (message.isEmpty || said.contains(message.prefix(60)))
                    return Check(name: name, passed: ok, detail: "HTTP \(capture.status) → \(verdict["class"]?.stringValue ?? "no class"): \(said.prefix(100))")
                } catch {
                    return Check(name: name, passed: false, detail: error.description)
                }
            }
            let outcome: CaptureOutcome
            if capture.isStream {
                do throws(PluginCallError) {
                    let decoder = try provider.makeDecoder(for: request)
                    let reads = CaptureLibrary.writes(of: capture, splitEvery: 7).map(Array.init)
                    var events: [DecodedEvent] = []
                    do throws(BatchFailure) {
                        try decoder.decodeBatch(reads, finishing: true) { _, event in events.append(event) }
                        outcome = CaptureOutcome(events: events)
                    } catch {
                        return Check(name: name, passed: expected.failed, detail: "read \(error.readIndex): \(error.error.description)")
                    }
                } catch {
                    return Check(name: name, passed: false, detail: error.description)
                }
            } else {
                outcome = CaptureOutcome(parsing: capture.body, with: provider)
                if let failure = outcome.failure { return Check(name: name, passed: expected.failed, detail: failure) }
            }
            let differences = outcome.differences(from: expected)
            return Check(name: name, passed: differences.isEmpty,
                         detail: differences.isEmpty ? "decoded as recorded: \(outcome)" : differences.joined(separator: "; "))
        }
    }

    // MARK: - Providers

    private static func providerChecks(_ plugin: LoadedPlugin) -> [Check] {
        var checks: [Check] = []
        let provider: ProviderInstance
        do {
            provider = try plugin.makeProvider(config: ["base_url": "http://127.0.0.1:9/v1"])
            checks.append(Check(name: "provider.create", passed: true, detail: "instance created"))
        } catch {
            return [Check(name: "provider.create", passed: false, detail: error.description)]
        }

        let request: JSONValue = [
            "model": "conformance-model", "stream": true,
            "messages": [["role": "user", "content": "Say hello."]],
            "params": ["max_tokens": 16],
        ]
        do {
            let http = try provider.buildRequest(request)
            let ok = http["method"]?.stringValue != nil && http["url"]?.stringValue?.hasPrefix("http") == true
                && http["headers"]?.arrayValue != nil
            checks.append(Check(name: "provider.build_request", passed: ok,
                                detail: ok ? "\(http["method"]!.stringValue!) \(http["url"]!.stringValue!)" : "missing method, url or headers: \(http.jsonString.prefix(200))"))
        } catch {
            checks.append(Check(name: "provider.build_request", passed: false, detail: error.description))
        }
        do {
            _ = try provider.buildRequest(["messages": "not a list"])
            checks.append(Check(name: "provider.build_request rejects bad input", passed: false,
                                detail: "a request without a model was accepted"))
        } catch {
            checks.append(Check(name: "provider.build_request rejects bad input", passed: error.isInvalidInput,
                                detail: error.isInvalidInput ? "invalid_input: \(error.message)" : "expected invalid_input, got \(error.statusName)"))
        }

        // Decoding: the manifest's own sample, else the sample for its API family.
        // A binary format (Bedrock's event stream) gives its sample as base64.
        let conformance = plugin.manifest.provider?["conformance"]
        let sample = conformance?["sample_stream"]?.stringValue.map { Array($0.utf8) }
            ?? conformance?["sample_stream_base64"]?.stringValue.flatMap { Data(base64Encoded: $0).map { Array($0) } }
            ?? SampleStreams.byAPI[plugin.manifest.provider?["api"]?.stringValue ?? ""].map { Array($0.utf8) }
        if let sample {
            let expected = conformance?["expected_text"]?.stringValue ?? SampleStreams.expectedText
            checks.append(decodeCheck(provider, request, sample: sample, chunk: Int.max, expected: expected, name: "decoder: whole stream"))
            checks.append(decodeCheck(provider, request, sample: sample, chunk: 1, expected: expected, name: "decoder: one byte per read"))
        } else {
            checks.append(Check(name: "decoder", passed: false,
                                detail: "no sample stream: add provider.conformance.sample_stream and expected_text to the manifest"))
        }
        do {
            let decoder = try provider.makeDecoder(for: request)
            // Reaching the next line is the check: a decoder that crashes takes the process down.
            var statuses: [String] = []
            for garbage in [[UInt8](repeating: 0xFF, count: 64), Array("data: {not json\n\n".utf8)] {
                do { try decoder.decode(garbage) { _ in }; statuses.append("ok") } catch { statuses.append(error.statusName) }
            }
            _ = try? decoder.finish { _ in }
            checks.append(Check(name: "decoder: garbage bytes", passed: true,
                                detail: "returned \(statuses.joined(separator: ", ")) without crashing"))
        } catch {
            checks.append(Check(name: "decoder: garbage bytes", passed: false, detail: error.description))
        }
        do {
            let classified = try provider.classifyError(status: 429, body: Array(#"{"error":{"message":"slow down"}}"#.utf8))
            let ok = classified["class"]?.stringValue == "rate_limited"
            checks.append(Check(name: "provider.classify_error", passed: ok,
                                detail: ok ? "429 → rate_limited" : "429 gave \(classified.jsonString.prefix(200))"))
        } catch {
            checks.append(Check(name: "provider.classify_error", passed: false, detail: error.description))
        }
        return checks
    }

    private static func decodeCheck(_ provider: ProviderInstance, _ request: JSONValue, sample: [UInt8], chunk: Int,
                                     expected: String, name: String) -> Check {
        do {
            let decoder = try provider.makeDecoder(for: request)
            var text = ""
            var sawEnd = false
            var emptyTokens = 0
            let collect: (DecodedEvent) -> Void = { event in
                switch event {
                case .text(let t): text += t; if t.isEmpty { emptyTokens += 1 }
                case .end: sawEnd = true
                default: break
                }
            }
            var offset = 0
            while offset < sample.count {
                let end = min(sample.count, offset + min(chunk, sample.count))
                try decoder.decode(Array(sample[offset..<end]), onEvent: collect)
                offset = end
            }
            try decoder.finish(onEvent: collect)
            let ok = text == expected && emptyTokens == 0
            return Check(name: name, passed: ok,
                         detail: ok ? "decoded \"\(text)\"\(sawEnd ? " and the end marker" : "")"
                                    : "decoded \"\(text)\" (\(emptyTokens) empty text events), expected \"\(expected)\"")
        } catch {
            return Check(name: name, passed: false, detail: error.description)
        }
    }

    // MARK: - Scorers

    private static func scorerChecks(_ plugin: LoadedPlugin) -> [Check] {
        var checks: [Check] = []
        let scorer: ScorerInstance
        do {
            scorer = try plugin.makeScorer()
            checks.append(Check(name: "scorer.create", passed: true, detail: "instance created with {}"))
        } catch {
            return [Check(name: "scorer.create", passed: false, detail: error.description)]
        }
        let sampleCase: JSONValue = [
            "id": "conformance", "prompt": "Weather in Paris?",
            "expected_calls": [["name": "get_weather", "arguments": ["city": "Paris"]]],
            "tools": [["type": "function", "function": ["name": "get_weather",
                       "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]]]],
        ]
        let right: JSONValue = ["calls": [["name": "get_weather", "arguments": ["city": "Paris"]]], "text": ""]
        let none: JSONValue = ["calls": [], "text": "I cannot check the weather."]
        do {
            let result = try scorer.score(case: sampleCase, output: right)
            let ok = result["score"]?.doubleValue == 1 && result["passed"]?.boolValue == true
            checks.append(Check(name: "scorer.score: right call", passed: ok, detail: result.jsonString.prefix(160).description))
        } catch {
            checks.append(Check(name: "scorer.score: right call", passed: false, detail: error.description))
        }
        do {
            let result = try scorer.score(case: sampleCase, output: none)
            let ok = (result["score"]?.doubleValue ?? 1) < 1 && result["passed"]?.boolValue == false
            checks.append(Check(name: "scorer.score: no call", passed: ok, detail: result.jsonString.prefix(160).description))
        } catch {
            checks.append(Check(name: "scorer.score: no call", passed: false, detail: error.description))
        }
        do {
            _ = try scorer.score(caseJSON: "{not json", outputJSON: right.jsonString)
            checks.append(Check(name: "scorer.score rejects invalid JSON", passed: false, detail: "accepted malformed case JSON"))
        } catch {
            checks.append(Check(name: "scorer.score rejects invalid JSON", passed: error.isInvalidInput,
                                detail: error.isInvalidInput ? "invalid_input" : "expected invalid_input, got \(error.statusName): \(error.message)"))
        }
        // Edge cases: no call expected and none made; invalid UTF-8 in the model's text.
        do {
            let result = try scorer.score(case: ["id": "empty", "prompt": "Hi", "expected_calls": []], output: ["calls": [], "text": "Hello."])
            let ok = result["score"]?.doubleValue == 1 && result["passed"]?.boolValue == true
            checks.append(Check(name: "scorer.score: no call expected, none made", passed: ok, detail: result.jsonString.prefix(160).description))
        } catch {
            checks.append(Check(name: "scorer.score: no call expected, none made", passed: false, detail: error.description))
        }
        do {
            let output = Array(#"{"calls":[],"text":"bad "#.utf8) + [0xFF, 0xFE, 0xC3] + Array(#" bytes"}"#.utf8)
            let result = try scorer.score(caseBytes: Array(sampleCase.jsonString.utf8), outputBytes: output)
            checks.append(Check(name: "scorer.score: invalid UTF-8 in text", passed: true, detail: "scored: \(result.jsonString.prefix(120))"))
        } catch {
            // Refusing it is fine; anything but a clean status (or a crash, which ends this process) is not.
            checks.append(Check(name: "scorer.score: invalid UTF-8 in text", passed: error.isInvalidInput,
                                detail: error.isInvalidInput ? "refused as invalid_input" : "expected a score or invalid_input, got \(error.statusName)"))
        }
        let huge = String(repeating: "x", count: 1 << 20)
        do {
            _ = try scorer.score(case: sampleCase, output: ["calls": [["name": "get_weather", "arguments": ["city": .string(huge)]]]])
            checks.append(Check(name: "scorer.score: 1 MiB argument", passed: true, detail: "scored"))
        } catch {
            checks.append(Check(name: "scorer.score: 1 MiB argument", passed: !error.isUnsupported, detail: error.description))
        }
        return checks
    }
}
