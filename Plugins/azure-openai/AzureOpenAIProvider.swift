// Provider adapter for Azure OpenAI: the Chat Completions wire format (Plugins/openai-wire)
// at Azure's URLs. Two URL styles, chosen by the base URL (docs/wire-formats.md, "Azure
// OpenAI"):
//   https://RESOURCE.openai.azure.com            → /openai/deployments/{model}/chat/completions?api-version=…
//                                                  (the model is the deployment's name)
//   https://RESOURCE.openai.azure.com/openai/v1  → /openai/v1/chat/completions (the v1 API, no api-version)
// The key goes in the `api-key` header; an Entra ID access token (a JWT) as a bearer
// (the manifest's `auth.jwt_style`, which the host applies). Content-filter results ride
// in the chunks and are not tokens; a filtered answer ends with finish_reason content_filter.

import OpenAIWire
import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: AzureOpenAIProvider.manifest, provider: AzureOpenAIProvider.self)
}

public struct AzureOpenAIProvider: ProviderAdapter {
    let baseURL: String
    let apiVersion: String
    /// The base URL is the v1 API's (`…/openai/v1`): no deployment in the path, no api-version.
    let v1: Bool

    static let defaultAPIVersion = "2024-10-21"

    public init(config: JSONValue) throws {
        baseURL = try ProviderConfig.baseURL(config, default: "https://example-resource.openai.azure.com")
        v1 = baseURL.hasSuffix("/openai/v1")
        let version = config["params"]?["api_version"]?.stringValue ?? Self.defaultAPIVersion
        guard !version.isEmpty, version.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) else {
            throw PluginError.invalidInput("params.api_version must look like 2024-10-21, got \"\(version)\"")
        }
        apiVersion = version
    }

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        var request = request
        // api_version configures the endpoint; it is not a body parameter.
        if var object = request.objectValue, var params = object["params"]?.objectValue, params["api_version"] != nil {
            params["api_version"] = nil
            object["params"] = .object(params)
            request = .object(object)
        }
        let (body, stream) = try ChatWire.body(request)
        let model = body["model"]?.stringValue ?? ""
        return HTTPRequestSpec(
            method: "POST", url: try chatURL(deployment: model),
            headers: [("Content-Type", "application/json"), ("Accept", stream ? "text/event-stream" : "application/json")],
            body: JSONValue.object(body).jsonString)
    }

    func chatURL(deployment: String) throws -> String {
        if v1 { return baseURL + "/chat/completions" }
        // A deployment name is a path segment: letters, digits, '-', '_', '.'.
        guard !deployment.isEmpty, deployment.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw PluginError.invalidInput("model \"\(deployment)\" is not an Azure deployment name (letters, digits, - _ .)")
        }
        return baseURL + "/openai/deployments/\(deployment)/chat/completions?api-version=\(apiVersion)"
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { ChatStreamDecoder() }

    public func parseResponse(_ body: [UInt8]) throws -> JSONValue { try ChatWire.parseResponse(body) }

    /// The models the resource can deploy (`/openai/models`), or the v1 API's `/models`.
    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        HTTPRequestSpec(method: "GET", url: v1 ? baseURL + "/models" : baseURL + "/openai/models?api-version=\(apiVersion)",
                        headers: [("Accept", "application/json")])
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue { try ChatWire.parseListModels(body) }

    /// Azure's errors are OpenAI's shape; a missing deployment is 404 DeploymentNotFound.
    public func classifyError(status: Int, body: [UInt8]) -> JSONValue { ChatWire.classifyError(status: status, body: body) }
}
