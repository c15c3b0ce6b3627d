import Foundation
import HostMeasurement
import HostPlugins
import HostSecurity
import HostTransport
import NIOCore
import StudioJSON

/// "List models" and "test connection" for one provider endpoint (docs/api.md, model
/// discovery): the plugin builds the request of its model list (OpenAI `/v1/models`,
/// Ollama `/api/tags`, Gemini's models), the host signs and sends it under the same SSRF
/// policy as any call, and the plugin reads the answer. A failure is classified as a
/// failed call would be (auth_failed, rate_limited, connect_failed, http_404, …), its
/// message scrubbed of the key.
public enum ModelDiscovery {
    public typealias Failure = WholeExchange.Failure

    /// Bodies past this are not a model list (an endpoint that is something else).
    public static let maxBody = 8 << 20

    public static func models(at given: ProviderEndpoint, transport: Transport,
                              timeoutSeconds: Double = 15) async -> Result<[JSONValue], Failure> {
        let scrubber = SecretScrubber(knownSecrets: given.apiKey.map { [$0] } ?? [])
        func fail(_ errorClass: String, _ message: String) -> Result<[JSONValue], Failure> {
            .failure(Failure(errorClass: errorClass, message: scrubber.scrub(message)))
        }
        let endpoint: ProviderEndpoint
        switch await given.authorized(transport: transport) {
        case .success(let ready): endpoint = ready
        case .failure(let failure): return fail(failure.errorClass, failure.message)
        }
        let spec: JSONValue
        do { spec = try endpoint.provider.buildListModels() } catch {
            return error.isUnsupported ? fail("unsupported", "this provider's plugin cannot list models; add them by id")
                : fail("plugin_error", error.description)
        }
        guard let method = spec["method"]?.stringValue, let url = spec["url"]?.stringValue else {
            return fail("plugin_error", "the plugin built a model-list request without method or url")
        }
        let signed = endpoint.sign(method: method, url: url, headers: ProviderCall.wireHeaders(spec), body: nil, now: Date())
        switch await WholeExchange.fetch(transport, method: method, url: signed.url, headers: signed.headers, body: nil,
                                         maxBody: maxBody, timeoutSeconds: timeoutSeconds) {
        case .failure(let failure):
            return fail(failure.errorClass, failure.message)
        case .success(let (status, body)):
            guard (200..<300).contains(status) else {
                let classified = (try? endpoint.provider.classifyError(status: status, body: body)) ?? [:]
                return fail(classified["class"]?.stringValue ?? "http_\(status)",
                            classified["message"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self))
            }
            do {
                let models = try endpoint.provider.parseListModels(body)
                return .success(models.arrayValue ?? [])
            } catch {
                return fail("malformed_response", error.description)
            }
        }
    }
}
