// Provider adapter for Gemini on Google Vertex AI: the generateContent wire format
// (Plugins/gemini-wire) at Vertex's URLs. The base URL names the project and location:
//   https://REGION-aiplatform.googleapis.com/v1/projects/PROJECT/locations/REGION
//   https://aiplatform.googleapis.com/v1/projects/PROJECT/locations/global
// and the plugin adds /publishers/google/models/{model}:streamGenerateContent?alt=sse.
// Auth is the host's (docs/wire-formats.md, "Google Vertex AI"): the manifest's style
// `oauth2-service-account` has the host exchange a service account's key for an OAuth2
// access token (the token exchange is I/O) and send it as a bearer.

import GeminiWire
import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: VertexProvider.manifest, provider: VertexProvider.self)
}

public struct VertexProvider: ProviderAdapter {
    let baseURL: String

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "https://us-central1-aiplatform.googleapis.com/v1/projects/YOUR-PROJECT/locations/us-central1")
    }

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        let (body, model, stream) = try GeminiWire.body(request)
        let method = stream ? ":streamGenerateContent?alt=sse" : ":generateContent"
        return HTTPRequestSpec(method: "POST", url: "\(baseURL)/publishers/google/models/\(model)\(method)",
                               headers: [("Content-Type", "application/json")], body: JSONValue.object(body).jsonString)
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { GeminiStreamDecoder() }

    public func parseResponse(_ body: [UInt8]) throws -> JSONValue { try GeminiWire.parseResponse(body) }

    // Vertex has no per-project list of the Gemini models a project may call: models are
    // added by id (the protocol's default answers "unsupported").

    /// Vertex errors are Google's shape: {"error": {"code", "message", "status"}}.
    public func classifyError(status: Int, body: [UInt8]) -> JSONValue { GeminiWire.classifyError(status: status, body: body) }
}
