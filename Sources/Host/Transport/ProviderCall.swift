import HostMeasurement
import HostPlugins
import HostSecurity
import NIOCore
import StudioJSON
import Synchronization

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

    public init(index: Int, id: String, name: String, arguments: String) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// Everything one measured request produced.
public struct CallRecord: Sendable {
    public struct Failure: Sendable, Equatable {
        public let errorClass: ErrorClass
        /// Already scrubbed of secrets.
        public let message: String
        public let retryAfterSeconds: Double?

        public init(errorClass: ErrorClass, message: String, retryAfterSeconds: Double? = nil) {
            self.errorClass = errorClass
            self.message = message
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public init() {
        // One read per token or so: room for a typical stream, so the list rarely regrows.
        reads.reserveCapacity(64)
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

/// A request as it goes on the wire (built by the provider plugin, signed with the key),
/// ready to be sent any number of times: a load test builds it once per level.
public struct PreparedCall: Sendable {
    /// The plugin-level request (each send makes its own stream decoder from it).
    public let request: JSONValue
    /// `request` serialized once, for the decoders.
    let requestJSON: String
    public let endpoint: ProviderEndpoint
    let method: String
    let url: String
    let headers: [(String, String)]
    let body: [UInt8]?
    let scrubber: SecretScrubber
}

public enum ProviderCall {
    /// Sends one streaming request through the provider plugin and the transport, and
    /// measures it. Never throws: every failure is a CallRecord with a classified failure.
    /// Cancelling the calling task aborts the request.
    public static func stream(_ request: JSONValue, to endpoint: ProviderEndpoint, transport: Transport) async -> CallRecord {
        switch prepare(request, to: endpoint) {
        case .success(let prepared): return await stream(prepared, transport: transport)
        case .failure(let record): return record.value
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
        let headers = (http["headers"]?.arrayValue ?? []).compactMap { pair -> (String, String)? in
            guard let p = pair.arrayValue, p.count == 2, let k = p[0].stringValue, let v = p[1].stringValue else { return nil }
            return (k, v)
        }
        let (signedURL, signedHeaders) = endpoint.sign(url: url, headers: headers)
        return .success(PreparedCall(request: request, requestJSON: request.jsonString, endpoint: endpoint, method: method, url: signedURL, headers: signedHeaders,
                                     body: http["body"]?.stringValue.map { Array($0.utf8) }, scrubber: scrubber))
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
        do throws(TransportError) {
            try transport.start(method: prepared.method, url: prepared.url, headers: prepared.headers,
                                body: prepared.body, consumer: consumer)
        } catch {
            consumer.failed(error)
        }
    }
}

/// A handle on one measured call, to cancel it from any thread (before it starts, too).
public final class InFlightCall: Sendable {
    private let state = Mutex<(consumer: MeasuringConsumer?, cancelled: Bool)>((nil, false))

    public init() {}

    /// False when the call was cancelled before it could start.
    fileprivate func bind(_ consumer: MeasuringConsumer) -> Bool {
        state.withLock { s in
            s.consumer = consumer
            return !s.cancelled
        }
    }

    public func cancel() {
        let consumer = state.withLock { s -> MeasuringConsumer? in
            s.cancelled = true
            return s.consumer
        }
        consumer?.cancel()
    }
}

/// Measures one exchange as its bytes arrive: each read is decoded by the provider plugin
/// right there on the connection's event loop (a few microseconds, no thread hop), and
/// its stamp, byte count and event counts are kept. State is touched only on that event
/// loop, except completion, which is guarded.
final class MeasuringConsumer: ExchangeConsumer, @unchecked Sendable {
    private let decoder: StreamDecoderHandle
    private let provider: ProviderInstance
    private let scrubber: SecretScrubber
    private var record = CallRecord()
    private var errorBody: [UInt8] = []
    private var retryAfter: Double?
    private var calls: [Int: AssembledToolCall] = [:]
    private var streamError: (String, String)?
    private var stoppedReading = false
    /// Reads stamped but not yet decoded, for a decoder that prefers batches (an isolated
    /// one): decoded together, each keeps its own stamp and event counts, so TTFT and ITL
    /// come out exactly as if each had been decoded on arrival.
    private var pending: [(at: UInt64, bytes: [UInt8])] = []
    private var pendingBytes = 0
    private let batches: Bool
    /// A batch goes out at this many reads or bytes, else at the end of the body.
    static let batchReads = 64, batchBytes = 256 << 10

    private struct Completion {
        var done = false
        var exchange: Exchange?
        var cancelled = false
    }
    private let completion = Mutex(Completion())
    private let onComplete: @Sendable (CallRecord) -> Void

    init(decoder: StreamDecoderHandle, provider: ProviderInstance, scrubber: SecretScrubber,
         completion: @escaping @Sendable (CallRecord) -> Void) {
        self.decoder = decoder
        self.provider = provider
        self.scrubber = scrubber
        self.onComplete = completion
        batches = decoder.prefersBatches
    }

    /// Hands the record over, once.
    private func complete(_ result: CallRecord) {
        let first = completion.withLock { c -> Bool in
            defer { c.done = true }
            return !c.done
        }
        if first { onComplete(result) }
    }

    func cancel() {
        let exchange = completion.withLock { c -> Exchange? in
            c.cancelled = true
            return c.exchange
        }
        if let exchange { exchange.cancel() } else { failed(TransportError(.cancelled, "cancelled")) }
    }

    // MARK: ExchangeConsumer

    func attach(_ exchange: Exchange) {
        record.startedAt = exchange.startedAt
        let cancelled = completion.withLock { c -> Bool in
            c.exchange = exchange
            return c.cancelled
        }
        if cancelled { exchange.cancel() }
    }

    func sent(at: UInt64) { record.t0 = at }

    func head(status: Int, headers: [(String, String)], at: UInt64) {
        record.headAt = at
        record.status = status
        for (name, value) in headers {
            switch name.lowercased() {
            case "retry-after": retryAfter = Double(value)
            case "x-sim-request-id", "x-request-id", "request-id": record.serverRequestID = value
            default: break
            }
        }
    }

    func body(_ bytes: UnsafeRawBufferPointer, at: UInt64) {
        if let status = record.status, !(200..<300).contains(status) {
            if errorBody.count < 65_536 { errorBody += bytes.prefix(65_536 - errorBody.count) }
            return
        }
        guard !stoppedReading else { return }
        if batches {
            pending.append((at, Array(bytes)))
            pendingBytes += bytes.count
            if pending.count >= Self.batchReads || pendingBytes >= Self.batchBytes { decodePending() }
            return
        }
        var tokens = 0
        do {
            let count = try decoder.decode(bytes) { event in
                if event.carriesToken { tokens += 1 }
                absorb(event)
            }
            record.reads.append(ReadRecord(at: at, bytes: bytes.count, events: count, tokenEvents: tokens))
        } catch {
            // Stop reading: the stream cannot be trusted past a malformed event.
            stoppedReading = true
            record.endAt = at
            finish(failure: error.isMalformedStream ? .malformedStream : .pluginError, "\(error)")
            completion.withLock { $0.exchange }?.cancel()
        }
    }

    /// Decodes the reads held back, in one call; a failing read ends the stream at its
    /// stamp. `endingAt`: the body ended then, and the decoder's finish rides along (its
    /// events count as a read of 0 bytes at that instant, as in-process).
    private func decodePending(endingAt end: UInt64? = nil) {
        guard !pending.isEmpty || end != nil else { return }
        var reads = pending
        pending.removeAll(keepingCapacity: true)
        pendingBytes = 0
        var events = [Int](repeating: 0, count: reads.count + 1), tokens = events
        do throws(BatchFailure) {
            try decoder.decodeBatch(reads.map(\.bytes), finishing: end != nil) { index, event in
                events[index] += 1
                if event.carriesToken { tokens[index] += 1 }
                absorb(event)
            }
            if let end { reads.append((end, [])) }
            for (i, read) in reads.enumerated() where read.bytes.count > 0 || events[i] > 0 {
                record.reads.append(ReadRecord(at: read.at, bytes: read.bytes.count, events: events[i], tokenEvents: tokens[i]))
            }
        } catch let failure {
            if let end { reads.append((end, [])) }
            for i in 0..<failure.readIndex {
                record.reads.append(ReadRecord(at: reads[i].at, bytes: reads[i].bytes.count, events: events[i], tokenEvents: tokens[i]))
            }
            stoppedReading = true
            record.endAt = reads[min(failure.readIndex, reads.count - 1)].at
            finish(failure: failure.error.isMalformedStream ? .malformedStream : .pluginError, "\(failure.error)")
            completion.withLock { $0.exchange }?.cancel()
        }
    }

    func end(at: UInt64) {
        let failedStatus = record.status.map { !(200..<300).contains($0) } ?? false
        if batches && !stoppedReading && !failedStatus {
            decodePending(endingAt: at)
            if stoppedReading { return }
            record.endAt = at
            finishRecord()
            return
        }
        if stoppedReading { return }
        record.endAt = at
        if let status = record.status, !(200..<300).contains(status) {
            let verdict = try? provider.classifyError(status: status, body: errorBody)
            let errorClass = verdict?["class"]?.stringValue.flatMap(ErrorClass.init) ?? ErrorClass.forStatus(status)
            let message = verdict?["message"]?.stringValue ?? String(decoding: errorBody.prefix(300), as: UTF8.self)
            finish(failure: errorClass, "HTTP \(status): \(message)", retryAfter: retryAfter ?? verdict?["retry_after_s"]?.doubleValue)
            return
        }
        do {
            var tokens = 0
            let count = try decoder.finish { event in
                if event.carriesToken { tokens += 1 }
                absorb(event)
            }
            if count > 0 { record.reads.append(ReadRecord(at: at, bytes: 0, events: count, tokenEvents: tokens)) }
        } catch {
            finish(failure: error.isMalformedStream ? .malformedStream : .pluginError, error.description)
            return
        }
        finishRecord()
    }

    /// The stream decoded to its end: tool calls assembled, an in-stream error reported.
    private func finishRecord() {
        record.toolCalls = calls.values.sorted { $0.index < $1.index }
        if let (message, code) = streamError {
            finish(failure: .providerError, "provider error in the stream\(code.isEmpty ? "" : " (\(code))"): \(message)")
            return
        }
        complete(record)
    }

    func failed(_ error: TransportError) {
        if record.endAt == 0 { record.endAt = MonotonicClock.now() }
        finish(failure: error.errorClass, error.message)
    }

    private func finish(failure errorClass: ErrorClass, _ message: String, retryAfter: Double? = nil) {
        var result = record
        if result.t0 == 0 { result.t0 = result.startedAt == 0 ? result.endAt : result.startedAt }
        result.failure = .init(errorClass: errorClass, message: scrubber.scrub(message), retryAfterSeconds: retryAfter)
        complete(result)
    }

    private func absorb(_ event: DecodedEvent) {
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
