import HostMeasurement
import HostPlugins
import HostSecurity
import HostTransport
import StudioJSON
import Synchronization

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
        case .usage(let input, let output, let reasoning, _):
            if let input { record.usageInput = input }
            if let output { record.usageOutput = output }
            if let reasoning { record.usageReasoning = reasoning }
        case .finish(let reason, let raw):
            record.finishReason = reason
            record.finishDetail = raw.isEmpty ? nil : raw
        case .error(let message, let code): streamError = (message, code)
        case .end: break
        }
    }
}
