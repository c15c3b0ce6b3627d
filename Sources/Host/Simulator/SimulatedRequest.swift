import StudioJSON

/// The parts of an incoming request the simulator needs, read the same way for every
/// wire API it speaks.
struct SimulatedRequest {
    enum API: String { case openai, anthropic, gemini, jsonl, ollama, responses, cohere, bedrock }

    let api: API
    let model: String
    let stream: Bool
    let prompt: String          // the last user message's text
    let allText: String         // every message, for the input-token estimate
    let maxTokens: Int?
    let tools: [(name: String, schema: JSONValue)]
    /// Whether a streamed response ends with usage: OpenAI sends its usage chunk only when
    /// asked (`stream_options.include_usage`); the other APIs always report usage.
    var streamsUsage = true
    /// The conversation ends with tool results (OpenAI `tool` messages, Anthropic
    /// `tool_result` blocks, Gemini `functionResponse` parts): the model answers in text.
    var answersToolResults = false
    /// What the tuning models read (ResponseSurface): sampling parameters, the seed and the
    /// system prompt, from the Chat Completions wire.
    var temperature: Double? = nil
    var topP: Double? = nil
    var seed: Int64? = nil
    var systemPrompt = ""

    struct Invalid: Error { let message: String }

    static func parse(api: API, body: JSONValue, pathModel: String? = nil, streamFromPath: Bool = false) throws -> SimulatedRequest {
        guard body.objectValue != nil else { throw Invalid(message: "request body must be a JSON object") }
        switch api {
        case .openai:
            // Azure's deployment URLs name the model in the path; the body may leave it out.
            var body = body
            if body["model"] == nil, let pathModel, var object = body.objectValue {
                object["model"] = .string(pathModel)
                body = .object(object)
            }
            let max = (body["max_completion_tokens"] ?? body["max_tokens"])?.intValue.map(Int.init)
            var request = try chatMessages(api: api, body: body, streamByDefault: false, maxTokens: max)
            request.streamsUsage = body["stream_options"]?["include_usage"]?.boolValue ?? false
            return request
        case .anthropic:
            guard let model = body["model"]?.stringValue else { throw Invalid(message: "model is required") }
            guard let maxTokens = body["max_tokens"]?.intValue else { throw Invalid(message: "max_tokens is required") }
            guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
                throw Invalid(message: "messages must be a non-empty array")
            }
            let texts = [text(of: body["system"])] + messages.map { text(of: $0["content"]) }
            let lastUser = messages.last { $0["role"]?.stringValue == "user" }.map { text(of: $0["content"]) } ?? ""
            let tools = (body["tools"]?.arrayValue ?? []).compactMap { tool -> (String, JSONValue)? in
                tool["name"]?.stringValue.map { ($0, tool["input_schema"] ?? .object([:])) }
            }
            var request = SimulatedRequest(api: api, model: model, stream: body["stream"]?.boolValue ?? false, prompt: lastUser,
                                           allText: texts.joined(separator: "\n"), maxTokens: Int(maxTokens), tools: tools)
            request.answersToolResults = (messages.last?["content"]?.arrayValue ?? []).contains { $0["type"]?.stringValue == "tool_result" }
            return request
        case .ollama:
            // Ollama's native /api/chat: streams unless "stream": false; output limit in options.num_predict.
            return try chatMessages(api: api, body: body, streamByDefault: true,
                                    maxTokens: body["options"]?["num_predict"]?.intValue.map(Int.init))
        case .cohere:
            // Cohere v2 chat: OpenAI-shaped messages (content a string or text parts),
            // tools as functions, "stream" in the body, max_tokens.
            return try chatMessages(api: api, body: body, streamByDefault: false,
                                    maxTokens: body["max_tokens"]?.intValue.map(Int.init))
        case .responses:
            // OpenAI Responses: `input` a string or items (messages, function calls and
            // their outputs), `instructions`, flat function tools, max_output_tokens.
            guard let model = body["model"]?.stringValue, !model.isEmpty else { throw Invalid(message: "model is required") }
            let items: [JSONValue]
            if let text = body["input"]?.stringValue {
                items = [["role": "user", "content": .string(text)]]
            } else if let array = body["input"]?.arrayValue, !array.isEmpty {
                items = array
            } else {
                throw Invalid(message: "input must be a string or a non-empty array")
            }
            let texts = [body["instructions"]?.stringValue ?? ""] + items.map { text(of: $0["content"] ?? $0["output"]) }
            let lastUser = items.last { $0["role"]?.stringValue == "user" }.map { text(of: $0["content"]) } ?? ""
            let tools = (body["tools"]?.arrayValue ?? []).compactMap { tool -> (String, JSONValue)? in
                guard (tool["type"]?.stringValue ?? "function") == "function" else { return nil }
                return tool["name"]?.stringValue.map { ($0, tool["parameters"] ?? .object([:])) }
            }
            var request = SimulatedRequest(api: api, model: model, stream: body["stream"]?.boolValue ?? false, prompt: lastUser,
                                           allText: texts.joined(separator: "\n"), maxTokens: body["max_output_tokens"]?.intValue.map(Int.init),
                                           tools: tools)
            request.answersToolResults = items.last?["type"]?.stringValue == "function_call_output"
            return request
        case .bedrock:
            // Bedrock Converse: the model in the path, content as blocks ({text},
            // {toolUse}, {toolResult}), system as blocks, inferenceConfig.maxTokens,
            // toolConfig.tools[].toolSpec; streaming chosen by the path.
            guard let model = pathModel, !model.isEmpty else { throw Invalid(message: "model is required in the path") }
            guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
                throw Invalid(message: "messages must be a non-empty array")
            }
            func blocksText(_ blocks: JSONValue?) -> String {
                (blocks?.arrayValue ?? []).map { block in
                    block["text"]?.stringValue ?? blocksText(block["toolResult"]?["content"])
                }.joined(separator: "\n")
            }
            let texts = [blocksText(body["system"])] + messages.map { blocksText($0["content"]) }
            let lastUser = messages.last { $0["role"]?.stringValue == "user" }.map { blocksText($0["content"]) } ?? ""
            let tools = (body["toolConfig"]?["tools"]?.arrayValue ?? []).compactMap { tool -> (String, JSONValue)? in
                let spec = tool["toolSpec"]
                return spec?["name"]?.stringValue.map { ($0, spec?["inputSchema"]?["json"] ?? .object([:])) }
            }
            var request = SimulatedRequest(api: api, model: model, stream: streamFromPath, prompt: lastUser,
                                           allText: texts.joined(separator: "\n"),
                                           maxTokens: body["inferenceConfig"]?["maxTokens"]?.intValue.map(Int.init), tools: tools)
            request.answersToolResults = (messages.last?["content"]?.arrayValue ?? []).contains { $0["toolResult"] != nil }
            return request
        case .jsonl:
            // The made-up JSON-lines API of the plugin templates: {"model","prompt","max_tokens","stream"}.
            guard let model = body["model"]?.stringValue, !model.isEmpty else { throw Invalid(message: "model is required") }
            guard let prompt = body["prompt"]?.stringValue else { throw Invalid(message: "prompt must be a string") }
            return SimulatedRequest(api: api, model: model, stream: body["stream"]?.boolValue ?? true, prompt: prompt, allText: prompt,
                                    maxTokens: body["max_tokens"]?.intValue.map(Int.init), tools: [])
        case .gemini:
            guard let model = pathModel, !model.isEmpty else { throw Invalid(message: "model is required in the path") }
            guard let contents = body["contents"]?.arrayValue, !contents.isEmpty else {
                throw Invalid(message: "contents must be a non-empty array")
            }
            // Gemini reads protobuf JSON, which accepts each field in lowerCamelCase or in
            // its proto name (snake_case); the google-genai SDK sends some of each.
            func field(_ value: JSONValue?, _ camel: String) -> JSONValue? {
                value?[camel] ?? value?[camel.replacing(/[A-Z]/) { "_" + $0.output.lowercased() }]
            }
            let texts = contents.map { c in (c["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined() }
            let system = (field(body, "systemInstruction")?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
            let lastUser = contents.last { ($0["role"]?.stringValue ?? "user") == "user" }
                .map { c in (c["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined() } ?? ""
            var tools: [(String, JSONValue)] = []
            for group in body["tools"]?.arrayValue ?? [] {
                for f in field(group, "functionDeclarations")?.arrayValue ?? [] {
                    if let name = f["name"]?.stringValue { tools.append((name, field(f, "parametersJsonSchema") ?? f["parameters"] ?? .object([:]))) }
                }
            }
            let max = field(field(body, "generationConfig"), "maxOutputTokens")?.intValue.map(Int.init)
            var request = SimulatedRequest(api: api, model: model, stream: streamFromPath, prompt: lastUser,
                                           allText: ([system] + texts).joined(separator: "\n"), maxTokens: max, tools: tools)
            request.answersToolResults = (contents.last?["parts"]?.arrayValue ?? []).contains { field($0, "functionResponse") != nil }
            return request
        }
    }

    /// The OpenAI-shaped chat body that Ollama's native API shares: `model`, `messages`
    /// with string or part contents, `tools` as functions, `stream`.
    private static func chatMessages(api: API, body: JSONValue, streamByDefault: Bool, maxTokens: Int?) throws -> SimulatedRequest {
        guard let model = body["model"]?.stringValue, !model.isEmpty else { throw Invalid(message: "model is required") }
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw Invalid(message: "messages must be a non-empty array")
        }
        let texts = messages.map { text(of: $0["content"]) }
        let lastUser = messages.last { $0["role"]?.stringValue == "user" }.map { text(of: $0["content"]) } ?? texts.last ?? ""
        let tools = (body["tools"]?.arrayValue ?? []).compactMap { tool -> (String, JSONValue)? in
            let f = tool["function"] ?? tool
            return f["name"]?.stringValue.map { ($0, f["parameters"] ?? .object([:])) }
        }
        var request = SimulatedRequest(api: api, model: model, stream: body["stream"]?.boolValue ?? streamByDefault, prompt: lastUser,
                                       allText: texts.joined(separator: "\n"), maxTokens: maxTokens, tools: tools)
        request.answersToolResults = messages.last?["role"]?.stringValue == "tool"
        request.temperature = body["temperature"]?.doubleValue
        request.topP = body["top_p"]?.doubleValue
        request.seed = body["seed"]?.intValue
        request.systemPrompt = messages.filter { ["system", "developer"].contains($0["role"]?.stringValue ?? "") }.map { text(of: $0["content"]) }
            .joined(separator: "\n")
        return request
    }

    /// Text of a content field: a string, or an array of parts/blocks with text.
    static func text(of content: JSONValue?) -> String {
        switch content {
        case .string(let s)?: return s
        case .array(let parts)?:
            return parts.compactMap { $0["text"]?.stringValue ?? ($0["content"].map { text(of: $0) }) }.joined(separator: "\n")
        default: return ""
        }
    }
}
