// Provider adapter for OpenAI Chat Completions and the many servers that copy it
// (Groq, Together, OpenRouter, DeepSeek, Mistral, xAI, vLLM, Ollama, LM Studio,
// llama.cpp: presets in the manifest). Wire format: docs/wire-formats.md; the bodies and
// the stream decoder are in Plugins/openai-wire, shared with the Azure OpenAI plugin.

import OpenAIWire
import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: OpenAIProvider.manifest, provider: OpenAIProvider.self)
}

public struct OpenAIProvider: ProviderAdapter {
    let baseURL: String

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "https://api.openai.com/v1")
    }

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        let (body, stream) = try ChatWire.body(request)
        return HTTPRequestSpec(
            method: "POST", url: baseURL + "/chat/completions",
            headers: [("Content-Type", "application/json"), ("Accept", stream ? "text/event-stream" : "application/json")],
            body: JSONValue.object(body).jsonString)
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { ChatStreamDecoder() }

    public func parseResponse(_ body: [UInt8]) throws -> JSONValue { try ChatWire.parseResponse(body) }

    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        HTTPRequestSpec(method: "GET", url: baseURL + "/models", headers: [("Accept", "application/json")])
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue { try ChatWire.parseListModels(body) }

    public func classifyError(status: Int, body: [UInt8]) -> JSONValue { ChatWire.classifyError(status: status, body: body) }
}
