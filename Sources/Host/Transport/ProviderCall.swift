import HostMeasurement
import HostPlugins
import HostSecurity
import NIOCore
import StudioJSON

/// A provider endpoint ready to call: the plugin instance for one base URL, and the key
/// the host signs with (the plugin never sees it).
public struct ProviderEndpoint: Sendable {
    public let provider: ProviderInstance
    public let apiKey: String?

    public init(provider: ProviderInstance, apiKey: String?) {
        self.provider = provider
        self.apiKey = apiKey
    }

    /// The manifest's auth style applied to a request the plugin built.
    func sign(url: String, headers: [(String, String)]) -> (String, [(String, String)]) {
        guard let key = apiKey, !key.isEmpty else { return (url, headers) }
        let auth = provider.plugin.manifest.provider?["auth"]
        switch auth?["style"]?.stringValue ?? "bearer" {
        case "header":
            return (url, headers + [(auth?["header"]?.stringValue ?? "x-api-key", key)])
        case "query":
            let param = auth?["param"]?.stringValue ?? "key"
            let escaped = key.addingPercentEncodingForQuery()
            return (url + (url.contains("?") ? "&" : "?") + "\(param)=\(escaped)", headers)
        case "none":
            return (url, headers)
        default:
            return (url, headers + [("Authorization", "Bearer \(key)")])
        }
    }
}

/// One tool call reassembled from stream fragments.
public struct AssembledToolCall: Sendable, Equatable {
    public var index: Int
    public var id: String
    public var name: String
    public var arguments: String
}

/// Everything one measured request produced.
public struct CallRecord: Sendable {
    public struct Failure: Sendable, Equatable {
        public let errorClass: ErrorClass
        /// Already scrubbed of secrets.
        public let message: String
        public let retryAfterSeconds: Double?
    }

    public var startedAt: UInt64 = 0
    public var t0: UInt64 = 0
    public var headAt: UInt64? = nil
    public var endAt: UInt64 = 0
    public var status: Int? = nil
    public var reads: [ReadRecord] = []
    public var text = ""
    public var reasoning = ""
    public var toolCalls: [AssembledToolCall] = []
    public var usageInput: Int? = nil
    public var usageOutput: Int? = nil
    public var finishReason: String? = nil
    public var failure: Failure? = nil
    /// The server's request id header (X-Sim-Request-Id from the simulator).
    public var serverRequestID: String? = nil

    public var queueNs: UInt64 { t0 >= startedAt ? t0 - startedAt : 0 }
    public var succeeded: Bool { failure == nil }

    public func metrics(prices: Prices?) -> RunMetrics {
        RunMetrics(t0: t0, end: endAt, queueNs: queueNs, reads: reads,
                   usageOutput: usageOutput, usageInput: usageInput, prices: prices)
    }
}

public enum ProviderCall {
    /// Sends one streaming request through the provider plugin and the transport, and
    /// measures it. Never throws: every failure is a CallRecord with a classified failure.
    public static func stream(_ request: JSONValue, to endpoint: ProviderEndpoint, transport: Transport) async -> CallRecord {
        var record = CallRecord()
        let scrubber = SecretScrubber(knownSecrets: endpoint.apiKey.map { [$0] } ?? [])
        func fail(_ errorClass: ErrorClass, _ message: String, retryAfter: Double? = nil) -> CallRecord {
            record.failure = .init(errorClass: errorClass, message: scrubber.scrub(message), retryAfterSeconds: retryAfter)
            if record.endAt == 0 { record.endAt = MonotonicClock.now() }
            if record.t0 == 0 { record.t0 = record.startedAt == 0 ? record.endAt : record.startedAt }
            return record
        }

        let http: JSONValue
        let decoder: StreamDecoderHandle
        do {
            http = try endpoint.provider.buildRequest(request)
            decoder = try endpoint.provider.makeDecoder(for: request)
        } catch {
            return fail(.pluginError, error.description)
        }
        guard let method = http["method"]?.stringValue, let url = http["url"]?.stringValue else {
            return fail(.pluginError, "plugin built a request without method or url")
        }
        let headers = (http["headers"]?.arrayValue ?? []).compactMap { pair -> (String, String)? in
            guard let p = pair.arrayValue, p.count == 2, let k = p[0].stringValue, let v = p[1].stringValue else { return nil }
            return (k, v)
        }
        let (signedURL, signedHeaders) = endpoint.sign(url: url, headers: headers)

        let events: AsyncThrowingStream<Transport.Event, any Error>
        do {
            let started = try transport.exchange(method: method, url: signedURL, headers: signedHeaders,
                                                 body: http["body"]?.stringValue.map { Array($0.utf8) })
            record.startedAt = started.startedAt
            events = started.events
        } catch {
            return fail(.network, "cannot send the request: \(error)")
        }
        // Refusals by the address policy and bad URLs surface as transport errors below.

        var errorBody: [UInt8] = []
        var retryAfter: Double? = nil
        var calls: [Int: AssembledToolCall] = [:]
        var streamError: (String, String)? = nil
        func absorb(_ event: DecodedEvent) {
            switch event {
            case .text(let t): record.text += t
            case .reasoning(let t): record.reasoning += t
            case .toolCall(let index, let id, let name, let arguments):
                var call = calls[index] ?? AssembledToolCall(index: index, id: "", name: "", arguments: "")
                if !id.isEmpty { call.id = id }
                if !name.isEmpty { call.name = name }
                call.arguments += arguments
                calls[index] = call
            case .usage(let input, let output, _, _):
                if let input { record.usageInput = input }
                if let output { record.usageOutput = output }
            case .finish(let reason, _): record.finishReason = reason
            case .error(let message, let code): streamError = (message, code)
            case .end: break
            }
        }

        do {
            for try await event in events {
                switch event {
                case .sent(let at):
                    record.t0 = at
                case .head(let status, let responseHeaders, let at):
                    record.headAt = at
                    record.status = status
                    for (name, value) in responseHeaders {
                        switch name.lowercased() {
                        case "retry-after": retryAfter = Double(value)
                        case "x-sim-request-id", "x-request-id", "request-id": record.serverRequestID = value
                        default: break
                        }
                    }
                case .body(let buffer, let at):
                    if let status = record.status, !(200..<300).contains(status) {
                        if errorBody.count < 65_536 { errorBody += buffer.readableBytesView.prefix(65_536 - errorBody.count) }
                        continue
                    }
                    var tokens = 0
                    let count = try buffer.withUnsafeReadableBytes { bytes in
                        try decoder.decode(bytes) { event in
                            if event.carriesToken { tokens += 1 }
                            absorb(event)
                        }
                    }
                    record.reads.append(ReadRecord(at: at, bytes: buffer.readableBytes, events: count, tokenEvents: tokens))
                case .end(let at):
                    record.endAt = at
                }
            }
        } catch let error as PluginCallError {
            return fail(error.isMalformedStream ? .malformedStream : .pluginError, error.description)
        } catch {
            if Task.isCancelled { return fail(.cancelled, "cancelled") }
            return fail(classify(transportError: error), describe(error))
        }
        if Task.isCancelled && record.endAt == 0 { return fail(.cancelled, "cancelled") }

        if let status = record.status, !(200..<300).contains(status) {
            let verdict = try? endpoint.provider.classifyError(status: status, body: errorBody)
            let errorClass = verdict?["class"]?.stringValue.flatMap(ErrorClass.init) ?? ErrorClass.forStatus(status)
            let message = verdict?["message"]?.stringValue ?? String(decoding: errorBody.prefix(300), as: UTF8.self)
            return fail(errorClass, "HTTP \(status): \(message)", retryAfter: retryAfter ?? verdict?["retry_after_s"]?.doubleValue)
        }
        do {
            var tokens = 0
            let count = try decoder.finish { event in
                if event.carriesToken { tokens += 1 }
                absorb(event)
            }
            if count > 0 { record.reads.append(ReadRecord(at: record.endAt, bytes: 0, events: count, tokenEvents: tokens)) }
        } catch {
            return fail(error.isMalformedStream ? .malformedStream : .pluginError, error.description)
        }
        record.toolCalls = calls.values.sorted { $0.index < $1.index }
        if let (message, code) = streamError {
            return fail(.providerError, "provider error in the stream\(code.isEmpty ? "" : " (\(code))"): \(message)")
        }
        if record.endAt == 0 { record.endAt = MonotonicClock.now() }
        return record
    }

    static func classify(transportError error: any Error) -> ErrorClass {
        (error as? TransportError)?.errorClass ?? .network
    }

    static func describe(_ error: any Error) -> String { "\(error)" }
}

extension String {
    func addingPercentEncodingForQuery() -> String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
