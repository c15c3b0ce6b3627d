import Foundation
import HostMeasurement
import HostPlugins
import HostSecurity
import HostTransport
import StudioJSON

public enum ProviderCall {
    /// Sends one streaming request through the provider plugin and the transport, and
    /// measures it. Never throws: every failure is a CallRecord with a classified failure.
    /// Cancelling the calling task aborts the request.
    public static func stream(_ request: JSONValue, to endpoint: ProviderEndpoint, transport: Transport) async -> CallRecord {
        switch await prepare(request, to: endpoint, transport: transport) {
        case .success(let prepared): return await stream(prepared, transport: transport)
        case .failure(let record): return record.value
        }
    }

    /// `prepare`, after the endpoint's credentials are made ready (a service account's
    /// token exchange, docs/plugin-abi.md); a failed exchange is the record of the call.
    public static func prepare(_ request: JSONValue, to endpoint: ProviderEndpoint, transport: Transport) async
        -> Result<PreparedCall, PreparationFailure>
    {
        switch await endpoint.authorized(transport: transport) {
        case .success(let ready): return prepare(request, to: ready)
        case .failure(let failure):
            let scrubber = SecretScrubber(knownSecrets: endpoint.apiKey.map { [$0] } ?? [])
            return .failure(.init(value: failed(ErrorClass(failure.errorClass) ?? .authFailed, failure.message, scrubber: scrubber)))
        }
    }

    /// A failed call, as a record, when the plugin cannot build the request.
    public struct PreparationFailure: Error, Sendable { public let value: CallRecord }

    static func failed(_ errorClass: ErrorClass, _ message: String, scrubber: SecretScrubber) -> CallRecord {
        var record = CallRecord()
        let now = MonotonicClock.now()
        (record.startedAt, record.t0, record.endAt) = (now, now, now)
        record.failure = .init(errorClass: errorClass, message: scrubber.scrub(message), retryAfterSeconds: nil)
        return record
    }

    /// Builds the wire request through the plugin and signs it; a failure is the record
    /// every send of it would produce.
    public static func prepare(_ request: JSONValue, to endpoint: ProviderEndpoint) -> Result<PreparedCall, PreparationFailure> {
        let scrubber = SecretScrubber(knownSecrets: endpoint.apiKey.map { [$0] } ?? [])
        let http: JSONValue
        do {
            http = try endpoint.provider.buildRequest(request)
        } catch {
            return .failure(.init(value: failed(.pluginError, error.description, scrubber: scrubber)))
        }
        guard let method = http["method"]?.stringValue, let url = http["url"]?.stringValue else {
            return .failure(.init(value: failed(.pluginError, "plugin built a request without method or url", scrubber: scrubber)))
        }
        let body = http["body"]?.stringValue.map { Array($0.utf8) }
        let unsigned = wireHeaders(http)
        let now = Date()
        let signed = endpoint.sign(method: method, url: url, headers: unsigned, body: body, now: now)
        return .success(PreparedCall(request: request, requestJSON: request.jsonString, endpoint: endpoint, method: method,
                                     url: signed.url, headers: signed.headers, body: body, scrubber: scrubber,
                                     unsignedURL: url, unsignedHeaders: unsigned, signedAt: signed.timeBound ? now : nil))
    }

    /// The headers of a request a plugin built: `[[name, value], …]`.
    static func wireHeaders(_ http: JSONValue) -> [(String, String)] {
        (http["headers"]?.arrayValue ?? []).compactMap { pair -> (String, String)? in
            guard let p = pair.arrayValue, p.count == 2, let k = p[0].stringValue, let v = p[1].stringValue else { return nil }
            return (k, v)
        }
    }

    /// Sends a prepared request once, measured, with a fresh stream decoder.
    public static func stream(_ prepared: PreparedCall, transport: Transport) async -> CallRecord {
        let call = InFlightCall()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                start(prepared, transport: transport, into: call) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            call.cancel()
        }
    }

    /// Sends a prepared request once, measured, and calls `completion` once with its
    /// record: on the connection's event loop when the exchange got that far, so a caller
    /// can send its next request right there (a load test's closed loop does, to keep its
    /// dispatch lag at the microseconds of a write); otherwise on the calling thread or a
    /// connecting task. `call` can abort it from any thread.
    public static func start(_ prepared: PreparedCall, transport: Transport, into call: InFlightCall,
                             completion: @escaping @Sendable (CallRecord) -> Void) {
        let decoder: StreamDecoderHandle
        do {
            decoder = try prepared.endpoint.provider.makeDecoder(forJSON: prepared.requestJSON, deferCreation: true)
        } catch {
            return completion(failed(.pluginError, error.description, scrubber: prepared.scrubber))
        }
        let consumer = MeasuringConsumer(decoder: decoder, provider: prepared.endpoint.provider, scrubber: prepared.scrubber,
                                         completion: completion)
        guard call.bind(consumer) else { return consumer.failed(TransportError(.cancelled, "cancelled")) }
        let headers = prepared.currentHeaders()
        do throws(TransportError) {
            try transport.start(method: prepared.method, url: prepared.url, headers: headers,
                                body: prepared.body, consumer: consumer)
        } catch {
            consumer.failed(error)
        }
    }
}
