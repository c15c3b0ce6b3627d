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
    public struct Failure: Error, Sendable {
        public let errorClass: String
        public let message: String
    }

    /// Bodies past this are not a model list (an endpoint that is something else).
    public static let maxBody = 8 << 20

    public static func models(at endpoint: ProviderEndpoint, transport: Transport,
                              timeoutSeconds: Double = 15) async -> Result<[JSONValue], Failure> {
        let scrubber = SecretScrubber(knownSecrets: endpoint.apiKey.map { [$0] } ?? [])
        func fail(_ errorClass: String, _ message: String) -> Result<[JSONValue], Failure> {
            .failure(Failure(errorClass: errorClass, message: scrubber.scrub(message)))
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
        let (signedURL, signedHeaders) = (signed.url, signed.headers)
        let exchange: AsyncThrowingStream<Transport.Event, any Error>
        do { exchange = try transport.exchange(method: method, url: signedURL, headers: signedHeaders, body: nil).events } catch {
            return fail(error.errorClass.description, error.message)
        }
        let work = Task { () -> Result<(Int, [UInt8]), Failure> in
            var status = 0
            var body: [UInt8] = []
            do {
                for try await event in exchange {
                    switch event {
                    case .head(let code, _, _): status = code
                    case .body(let buffer, _):
                        body += buffer.readableBytesView
                        if body.count > maxBody { return .failure(Failure(errorClass: "malformed_response", message: "the model list is larger than \(maxBody) bytes")) }
                    case .end: return .success((status, body))
                    case .sent: continue
                    }
                }
                return .success((status, body))
            } catch let error as TransportError {
                return .failure(Failure(errorClass: error.errorClass.description, message: error.message))
            } catch {
                return .failure(Failure(errorClass: "network_error", message: "\(error)"))
            }
        }
        let deadline = Task {
            try await Task.sleep(nanoseconds: UInt64(timeoutSeconds * 1e9))
            work.cancel()
        }
        let outcome = await work.value
        deadline.cancel()
        switch outcome {
        case .failure(let failure):
            return Task.isCancelled || work.isCancelled ? fail("timeout", "no answer within \(Int(timeoutSeconds)) s")
                : fail(failure.errorClass, failure.message)
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
