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
        var constrained = endpoint.provider.plugin.id == "openai"
        var attempt = 0
        while true {
            attempt += 1
            var params: JSONObject = ["temperature": 0, "max_tokens": .int(Int64(maxTokens))]
            if constrained { params["response_format"] = Self.responseFormat(task) }
            let request: JSONValue = ["model": .string(model), "stream": true, "params": .object(params),
                                      "messages": [["role": "system", "content": .string(prompt.system)],
                                                   ["role": "user", "content": .string(prompt.user)]]]
            let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
            guard let failure = record.failure else { return .success(record.text) }
            if Task.isCancelled || failure.errorClass == .cancelled { return .failure(JudgeError("provider", "cancelled")) }
            if constrained, failure.errorClass == .http(400) || failure.errorClass == .http(422) {
                constrained = false  // a server without structured output: ask again without it
                attempt -= 1
                continue
            }
            guard Self.retryable(failure.errorClass), attempt < attempts else {
                return .failure(JudgeError("provider", "\(failure.errorClass.description) after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(failure.message)"))
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
        let schema: JSONValue = ["type": "object", "additionalProperties": false, "properties": .object(properties),
                                 "required": .array(properties.keys.map(JSONValue.string))]
        return ["type": "json_schema", "json_schema": ["name": .string(task.rawValue.replacing("-", with: "_")), "strict": true, "schema": schema]]
    }
}
