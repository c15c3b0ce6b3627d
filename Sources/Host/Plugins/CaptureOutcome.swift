import StudioJSON

/// What a recorded response decoded to, in the terms of its capture's `expected`
/// (docs/captures.md): the one comparison behind `studio plugins verify --captures` and
/// the repository's conformance tests.
public struct CaptureOutcome: Sendable, Equatable, CustomStringConvertible {
    public struct ToolCall: Sendable, Equatable, CustomStringConvertible {
        public let name: String
        public let arguments: JSONValue
        public var description: String {
            let text = arguments.jsonString
            return "\(name)(\(text.count > 80 ? text.prefix(80) + "…" : text))"
        }

        /// Arguments as JSON text (a decoder's) or a value (an index's); an empty string
        /// or null — some servers send "" for no arguments — means {}.
        public init(name: String, arguments: JSONValue) {
            self.name = name
            let value = arguments.stringValue.map { text in text.isEmpty ? [:] : ((try? JSONParser.parse(text)) ?? .string(text)) } ?? arguments
            self.arguments = value == .null ? [:] : value
        }
    }

    public var text = "", reasoning = ""
    public var toolCalls: [ToolCall] = []
    /// The finish as the provider wrote it (`finish_detail`): end_turn, MAX_TOKENS, eos.
    public var finish: String?
    public var inputTokens: Int?, outputTokens: Int?, reasoningTokens: Int?
    public var failed = false
    /// Why it failed, for the reader; not compared (the words are ours).
    public var failure: String?

    public init() {}

    /// The index's `expected`. A refusal is the answer's text, as decoders report it; a
    /// blocked prompt's block reason is its finish. Gemini's output count leaves its
    /// thoughts out, which the studio adds (output as billed, docs/measurement.md); the
    /// index keeps the wire's numbers.
    public init(expected e: JSONValue, format: String) {
        text = (e["text"]?.stringValue ?? "") + (e["refusal"]?.stringValue ?? "")
        reasoning = e["reasoning_text"]?.stringValue ?? ""
        toolCalls = (e["tool_calls"]?.arrayValue ?? []).map { ToolCall(name: $0["name"]?.stringValue ?? "", arguments: $0["arguments"] ?? .null) }
        finish = e["finish_reason"]?.stringValue ?? e["block_reason"]?.stringValue
        inputTokens = e["input_tokens"]?.intValue.map(Int.init)
        outputTokens = e["output_tokens"]?.intValue.map(Int.init)
        reasoningTokens = e["reasoning_tokens"]?.intValue.map(Int.init)
        if format == "gemini", outputTokens != nil || reasoningTokens != nil { outputTokens = (outputTokens ?? 0) + (reasoningTokens ?? 0) }
        failed = !(e["error"]?.isNull ?? true)
    }

    /// A decoder's events, assembled as the host does (tool calls by index, the last
    /// usage count of each kind).
    public init(events: [DecodedEvent]) {
        var calls: [Int: (name: String, arguments: String)] = [:]
        for event in events {
            switch event {
            case .text(let t): text += t
            case .reasoning(let t): reasoning += t
            case let .toolCall(index, _, name, arguments):
                var call = calls[index] ?? ("", "")
                if !name.isEmpty { call.name = name }
                call.arguments += arguments
                calls[index] = call
            case let .usage(input, output, reasoning, _):
                if let input { inputTokens = input }
                if let output { outputTokens = output }
                if let reasoning { reasoningTokens = reasoning }
            case .finish(_, let raw): finish = raw.isEmpty ? nil : raw
            case .error(let message, let code):
                failed = true
                failure = "provider error in the stream (\(code)): \(message)"
            case .end: break
            }
        }
        toolCalls = calls.keys.sorted().map { ToolCall(name: calls[$0]!.name, arguments: .string(calls[$0]!.arguments)) }
    }

    /// A `parse_response` answer (`text`, `reasoning`, `calls`, `finish_detail`, `usage`).
    public init(parsed: JSONValue) {
        text = parsed["text"]?.stringValue ?? ""
        reasoning = parsed["reasoning"]?.stringValue ?? ""
        toolCalls = (parsed["calls"]?.arrayValue ?? []).map { ToolCall(name: $0["name"]?.stringValue ?? "", arguments: $0["arguments"] ?? .null) }
        finish = parsed["finish_detail"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        inputTokens = parsed["usage"]?["input_tokens"]?.intValue.map(Int.init)
        outputTokens = parsed["usage"]?["output_tokens"]?.intValue.map(Int.init)
        reasoningTokens = parsed["usage"]?["reasoning_tokens"]?.intValue.map(Int.init)
    }

    /// A whole body through the provider's parse_response; a refusal is a failed outcome.
    public init(parsing body: [UInt8], with provider: ProviderInstance) {
        do throws(PluginCallError) {
            self.init(parsed: try provider.parseResponse(body))
        } catch {
            self.init()
            failed = true
            failure = error.description
        }
    }

    public static func == (a: CaptureOutcome, b: CaptureOutcome) -> Bool { a.differences(from: b).isEmpty }

    /// The fields that differ from `expected`, each named with both values.
    public func differences(from expected: CaptureOutcome) -> [String] {
        var out: [String] = []
        func check<T: Equatable>(_ name: String, _ mine: T, _ theirs: T) {
            if mine != theirs { out.append("\(name): got \(mine), expected \(theirs)") }
        }
        check("text", text, expected.text)
        check("reasoning", reasoning, expected.reasoning)
        check("tool calls", toolCalls, expected.toolCalls)
        check("finish", finish, expected.finish)
        check("input tokens", inputTokens, expected.inputTokens)
        check("output tokens", outputTokens, expected.outputTokens)
        check("reasoning tokens", reasoningTokens, expected.reasoningTokens)
        check("failed", failed, expected.failed)
        return out
    }

    public var description: String {
        func n(_ v: Int?) -> String { v.map(String.init) ?? "nil" }
        return "text \(text.prefix(60).debugDescription), reasoning \(reasoning.count) chars, tools \(toolCalls), finish \(finish ?? "nil"), "
            + "tokens in \(n(inputTokens)) out \(n(outputTokens)) reasoning \(n(reasoningTokens)), failed \(failure ?? (failed ? "yes" : "no"))"
    }
}
