import HostConfig
import HostMeasurement
import HostPlugins
import HostProviderCalls
import HostTransport
import StudioJSON

/// Asks a judge model one prompt: temperature 0, the answer's JSON schema where the
/// provider can be held to one (OpenAI-style `response_format`, dropped once if the
/// server refuses it), retries with exponential backoff on 429, 5xx, timeouts and
/// network failures (a Retry-After is honoured, up to `maxDelay`).
public struct JudgeClient: Sendable {
    public let endpoint: ProviderEndpoint
    public let model: String
    public let transport: Transport
    public var attempts = 3
    /// Seconds before the first retry; doubled each time.
    public var baseDelay = 0.5
    public var maxDelay = 10.0
    public var maxTokens = StudioConfig.Defaults.judgeMaxTokens

    public init(endpoint: ProviderEndpoint, model: String, transport: Transport) {
        self.endpoint = endpoint
        self.model = model
        self.transport = transport
    }

    /// The judge's text, or why there is none.
    public func ask(_ prompt: JudgePrompt, task: JudgeTask) async -> Result<String, JudgeError> {
        await ask(system: prompt.system, user: prompt.user, format: Self.responseFormat(task)).answer
    }

    /// One question to the model (a judge's, or a tuner's prompt writer's): its text, or why
    /// there is none, and every call made for it (for the caller's budget). `format` is an
    /// OpenAI `response_format`, sent where the provider can be held to one.
    public func ask(system: String, user: String, format: JSONValue?) async -> (answer: Result<String, JudgeError>, calls: [CallRecord]) {
        var constrained = format != nil && endpoint.provider.plugin.id == "openai"
        var attempt = 0
        var calls: [CallRecord] = []
        while true {
            attempt += 1
            var params: JSONObject = ["temperature": 0, "max_tokens": .int(Int64(maxTokens))]
            if constrained, let format { params["response_format"] = format }
            let request: JSONValue = ["model": .string(model), "stream": true, "params": .object(params),
                                      "messages": [["role": "system", "content": .string(system)],
                                                   ["role": "user", "content": .string(user)]]]
            let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
            calls.append(record)
            guard let failure = record.failure else { return (.success(record.text), calls) }
            if Task.isCancelled || failure.errorClass == .cancelled { return (.failure(JudgeError("provider", "cancelled")), calls) }
            if constrained, failure.errorClass == .http(400) || failure.errorClass == .http(422) {
                constrained = false  // a server without structured output: ask again without it
                attempt -= 1
                continue
            }
            guard Self.retryable(failure.errorClass), attempt < attempts else {
                return (.failure(JudgeError("provider", "\(failure.errorClass.description) after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(failure.message)")),
                        calls)
            }
            let delay = min(maxDelay, failure.retryAfterSeconds ?? baseDelay * Double(1 << (attempt - 1)))
            try? await Task.sleep(nanoseconds: Saturating.nanoseconds(seconds: delay))  // Retry-After is the provider's word
        }
    }

    static func retryable(_ errorClass: ErrorClass) -> Bool {
        switch errorClass {
        case .rateLimited, .timeout, .network: return true
        case .http(let status): return status >= 500
        default: return false
        }
    }

    /// The answer's shape as an OpenAI `response_format` (strict JSON schema).
    static func responseFormat(_ task: JudgeTask) -> JSONValue {
        let text: JSONValue = ["type": "string"]
        let texts: JSONValue = ["type": "array", "items": text]
        let properties: JSONObject
        switch task {
        case .caseVerdict:
            properties = ["reasoning": text, "tool_assessment": text, "argument_assessment": text,
                          "quality": ["type": "integer", "minimum": 1, "maximum": 5],
                          "verdict": ["type": "string", "enum": ["pass", "marginal", "fail"]],
                          "override_score": ["type": ["number", "null"], "minimum": 0, "maximum": 1]]
        case .modelReport:
            properties = ["reasoning": text, "grade": ["type": "string", "enum": ["A", "B", "C", "D", "F"]],
                          "score": ["type": "number", "minimum": 0, "maximum": 100],
                          "strengths": texts, "weaknesses": texts, "recommendations": texts]
        case .pairwise:
            properties = ["reasoning": text, "winner": ["type": "string", "enum": ["A", "B", "tie"]]]
        }
        return responseFormat(name: task.rawValue.replacing("-", with: "_"), properties: properties)
    }

    /// A strict JSON-schema `response_format` of one object with every property required.
    public static func responseFormat(name: String, properties: JSONObject) -> JSONValue {
        let schema: JSONValue = ["type": "object", "additionalProperties": false, "properties": .object(properties),
                                 "required": .array(properties.keys.map(JSONValue.string))]
        return ["type": "json_schema", "json_schema": ["name": .string(name), "strict": true, "schema": schema]]
    }
}
