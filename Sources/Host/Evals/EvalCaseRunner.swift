import HostBenchmark
import HostMeasurement
import HostPlugins
import HostProviderCalls
import HostStorage
import HostTransport
import StudioJSON

/// One case, once: the provider call with the suite's tools, the normalized output, the
/// scorer's verdict. Shared by eval jobs and `studio eval`.
public struct EvalCaseRunner: Sendable {
    public let transport: Transport

    public init(transport: Transport) { self.transport = transport }

    /// One case once: the call, the normalized output, the score.
    public func runCase(target: BenchmarkTarget, systemPrompt: String, tools: [JSONValue], caseKey: String, body: JSONValue,
                        request: EvalRequest, repeatIndex: Int, scorer: ScorerInstance) async -> CaseResultRecord {
        var messages: [JSONValue] = []
        if !systemPrompt.isEmpty { messages.append(["role": "system", "content": .string(systemPrompt)]) }
        if let turn = body["question"]?.arrayValue?.first?.arrayValue, !turn.isEmpty {
            messages += turn  // a case given as messages (BFCL's first turn)
        } else {
            messages.append(["role": "user", "content": body["prompt"] ?? ""])
        }
        // The case's own tools when it has them (BFCL cases do), else the suite's. Names
        // providers refuse (`spotify.play`) are sent as `spotify_play` and mapped back.
        let (offered, sentToSuite) = Self.providerSafe(body["tools"]?.arrayValue ?? tools)
        func chat(_ choice: String) -> JSONValue {
            // max_tokens is among the target's parameters, through the provider's rules
            // (renamed for a reasoning model, absent when the model skips it).
            ["model": .string(target.model), "stream": true, "messages": .array(messages), "tools": .array(offered),
             "tool_choice": .string(choice), "params": .object(target.params)]
        }
        // Multi-turn cases (docs/evals.md): mock results are fed back each round until the model
        // stops calling tools or max_rounds is reached; single-turn cases are one round.
        let multiTurn = body["multi_turn"]?.objectValue != nil ? body["multi_turn"] : nil
        let maxRounds = multiTurn.map { Int($0["max_rounds"]?.intValue ?? 5) } ?? 1
        var choice = request.toolChoice
        var fellBack = false
        var allCalls: [AssembledToolCall] = []
        var record = await ProviderCall.stream(chat(choice), to: target.endpoint, transport: transport)
        var first = true
        var rounds = 0
        var latency: Double? = 0
        var cost = CaseCost()
        while rounds < maxRounds {
            if !first { record = await ProviderCall.stream(chat(choice), to: target.endpoint, transport: transport) }
            first = false
            // A provider that refuses tool_choice "required" gets one retry with "auto" (recorded).
            if choice == "required", !fellBack, let failure = record.failure, failure.errorClass.description == "http_400" {
                choice = "auto"
                fellBack = true
                record = await ProviderCall.stream(chat(choice), to: target.endpoint, transport: transport)
            }
            rounds += 1
            latency = record.endAt >= record.t0 ? (latency ?? 0) + Double(record.endAt - record.t0) / 1e6 : latency
            cost.add(record, prices: target.prices)
            if record.failure != nil || record.toolCalls.isEmpty { break }
            allCalls += record.toolCalls
            guard let multiTurn else { break }
            messages += Self.nextTurn(text: record.text, calls: record.toolCalls, mockResults: multiTurn["mock_results"], sentToSuite: sentToSuite)
        }
        record.toolCalls = allCalls.map { call in
            var call = call
            call.name = sentToSuite[call.name] ?? call.name
            return call
        }
        var output = Self.normalizedOutput(record)
        if fellBack { output["tool_choice_fallback"] = true }
        if multiTurn != nil { output["rounds"] = .int(Int64(rounds)) }
        let category = body["category"]?.stringValue
        let expectsCall = body["should_call_tool"]?.boolValue ?? !(body["expected_calls"]?.arrayValue?.isEmpty ?? true)
        if let failure = record.failure {
            return CaseResultRecord(caseKey: caseKey, target: target.id, repeatIndex: repeatIndex, output: JSONValue.object(output).jsonString,
                                    score: 0, passed: false, subscores: nil, errorType: failure.errorClass.description, latencyMs: latency,
                                    category: category, expectsCall: expectsCall, costUSD: cost.usd)
        }
        var scoredCase = body
        if var object = scoredCase.objectValue {
            if object["tools"] == nil { object["tools"] = .array(tools) }  // a case's own tools win
            object["id"] = .string(caseKey)
            scoredCase = .object(object)
        }
        do {
            let result = try await scorer.scoreDetached(case: scoredCase, output: .object(output))
            return CaseResultRecord(caseKey: caseKey, target: target.id, repeatIndex: repeatIndex, output: JSONValue.object(output).jsonString,
                                    score: result["score"]?.doubleValue, passed: result["passed"]?.boolValue, subscores: result.jsonString,
                                    errorType: result["error_type"]?.stringValue, latencyMs: latency, category: category, expectsCall: expectsCall,
                                    costUSD: cost.usd)
        } catch {
            // The case records what went wrong with its scorer: a crash (with the signal), a
            // missed deadline, a quarantine or a cancel by name, else scorer_error; the
            // plugin's message, already bounded, under "error".
            let named = [PluginCallError.crashed, PluginCallError.timedOut, PluginCallError.cancelled, PluginCallError.quarantined]
            return CaseResultRecord(caseKey: caseKey, target: target.id, repeatIndex: repeatIndex, output: JSONValue.object(output).jsonString,
                                    score: 0, passed: false, subscores: JSONValue.object(["error": .string(error.description)]).jsonString,
                                    errorType: named.contains(error.status) ? error.statusName : "scorer_error", latencyMs: latency,
                                    category: category, expectsCall: expectsCall, costUSD: cost.usd)
        }
    }

    /// The messages a multi-turn case sends back after a round: the model's turn with its
    /// calls (under the names the provider saw), then one tool message per call with the
    /// suite's mock result for it. Mocks are keyed by the suite's own tool names
    /// (`spotify.play`), whatever name was sent (`spotify_play`); `{"ok": true}` by default.
    public static func nextTurn(text: String, calls: [AssembledToolCall], mockResults: JSONValue?, sentToSuite: [String: String]) -> [JSONValue] {
        var messages: [JSONValue] = [["role": "assistant", "content": text.isEmpty ? .null : .string(text),
                                      "tool_calls": .array(calls.map { call -> JSONValue in
                                          ["id": .string(call.id), "type": "function",
                                           "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
                                      })]]
        for call in calls {
            let mock = mockResults?[sentToSuite[call.name] ?? call.name] ?? ["ok": true]
            messages.append(["role": "tool", "tool_call_id": .string(call.id), "content": .string(mock.stringValue ?? mock.jsonString)])
        }
        return messages
    }

    /// The normalized output scorers read (docs/evals.md): calls with arguments parsed from the
    /// provider's JSON text (integers and floats kept apart), unparsable ones kept raw
    /// and flagged; the text; the finish reason.
    /// Tool definitions with names every provider accepts ([A-Za-z0-9_-], at most 64),
    /// and the map from a sent name back to the suite's own.
    static func providerSafe(_ tools: [JSONValue]) -> ([JSONValue], [String: String]) {
        var back: [String: String] = [:]
        let safe = tools.map { tool -> JSONValue in
            guard let name = tool["function"]?["name"]?.stringValue else { return tool }
            let sent = String(String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") ? $0 : "_" }).prefix(64))
            guard sent != name, var object = tool.objectValue, var function = object["function"]?.objectValue else { return tool }
            back[sent] = name
            function["name"] = .string(sent)
            object["function"] = .object(function)
            return .object(object)
        }
        return (safe, back)
    }

    public static func normalizedOutput(_ record: CallRecord) -> JSONObject {
        let calls: [JSONValue] = record.toolCalls.map { call in
            if call.arguments.isEmpty { return ["name": .string(call.name), "arguments": [:]] }
            if let parsed = try? JSONParser.parse(call.arguments), parsed.objectValue != nil {
                return ["name": .string(call.name), "arguments": parsed]
            }
            return ["name": .string(call.name), "arguments": .string(call.arguments), "arguments_invalid": true]
        }
        return ["calls": .array(calls), "text": .string(record.text), "finish_reason": record.finishReason.map(JSONValue.string) ?? .null]
    }

}

/// A case's cost over its rounds: each call's tokens by the model's prices, as a benchmark
/// prices a request (RunMetrics.cost). Unknown as soon as one call's cost is unknown.
struct CaseCost {
    private(set) var usd: Double? = 0
    mutating func add(_ record: CallRecord, prices: Prices?) {
        guard let sum = usd, let output = record.usageOutput,
              let one = RunMetrics.cost(input: record.usageInput, output: output, prices: prices) else { usd = nil; return }
        usd = sum + one
    }
}
