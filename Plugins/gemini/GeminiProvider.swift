// Provider adapter for Google Gemini generateContent / streamGenerateContent (REST).
// Wire format: docs/wire-formats.md (Google Gemini).

import GeminiWire
import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: GeminiProvider.manifest, provider: GeminiProvider.self)
}

public struct GeminiProvider: ProviderAdapter {
    let baseURL: String

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "https://generativelanguage.googleapis.com/v1beta")
    }

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        let (body, model, stream) = try GeminiWire.body(request)
        let method = stream ? ":streamGenerateContent?alt=sse" : ":generateContent"
        return HTTPRequestSpec(method: "POST", url: "\(baseURL)/models/\(model)\(method)",
                               headers: [("Content-Type", "application/json")], body: JSONValue.object(body).jsonString)
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { GeminiStreamDecoder() }

    public func parseResponse(_ body: [UInt8]) throws -> JSONValue { try GeminiWire.parseResponse(body) }

    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        HTTPRequestSpec(method: "GET", url: baseURL + "/models", headers: [("Accept", "application/json")])
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue { try GeminiWire.parseListModels(body) }

    public func classifyError(status: Int, body: [UInt8]) -> JSONValue { GeminiWire.classifyError(status: status, body: body) }
}
