import Dispatch
import PluginABI
import StudioJSON

/// A plugin member returned a status other than STUDIO_OK.
public struct PluginCallError: Error, CustomStringConvertible, Sendable {
    public let plugin: String
    public let member: String
    public let status: studio_status_t
    public let message: String

    init(plugin: String, member: String, status: studio_status_t, message: String) {
        self.plugin = plugin
        self.member = member
        self.status = status
        self.message = message
    }

    init(plugin: String, member: String, status: Int, message: String) {
        self.init(plugin: plugin, member: member, status: studio_status_t(status), message: message)
    }

    public var statusName: String {
        switch Int(status) {
        case Int(STUDIO_ERR_INVALID_INPUT): return "invalid_input"
        case Int(STUDIO_ERR_UNSUPPORTED): return "unsupported"
        case Int(STUDIO_ERR_PROTOCOL): return "malformed_stream"
        case Int(STUDIO_ERR_OUTPUT_REFUSED): return "output_refused"
        case Int(STUDIO_ERR_OUT_OF_MEMORY): return "out_of_memory"
        case Int(Self.crashed): return "plugin_crashed"
        case Int(Self.timedOut): return "plugin_timeout"
        case Int(Self.cancelled): return "cancelled"
        case Int(Self.quarantined): return "plugin_quarantined"
        default: return "plugin_error"
        }
    }

    public var isInvalidInput: Bool { Int(status) == Int(STUDIO_ERR_INVALID_INPUT) }
    public var isUnsupported: Bool { Int(status) == Int(STUDIO_ERR_UNSUPPORTED) }
    public var isMalformedStream: Bool { Int(status) == Int(STUDIO_ERR_PROTOCOL) }

    public var description: String {
        "\(plugin).\(member) failed (\(statusName))\(message.isEmpty ? "" : ": \(message)")"
    }
}

/// Runs one JSON-in, JSON-out member call: the cold path.
private func jsonCall(plugin: String, member: String,
                      _ call: (UnsafePointer<studio_sink_t>, UnsafePointer<studio_sink_t>) -> studio_status_t)
    throws(PluginCallError) -> JSONValue
{
    let out = ByteSink(), error = ByteSink()
    let status = out.withSink { o in error.withSink { e in call(o, e) } }
    guard status == STUDIO_OK else {
        throw PluginCallError(plugin: plugin, member: member, status: status, message: error.text)
    }
    do {
        return try JSONParser.parse(bytes: out.bytes)
    } catch {
        throw PluginCallError(plugin: plugin, member: member, status: STUDIO_ERR_INTERNAL,
                              message: "plugin wrote invalid JSON: \(error)")
    }
}

/// One configured provider endpoint, owned by the host; destroyed when released. It runs
/// in this process or in the plugin's runner (IsolatedPlugin): callers cannot tell.
/// Members are [any-thread] per the ABI, so the instance is Sendable.
public final class ProviderInstance: @unchecked Sendable {
    public let plugin: LoadedPlugin
    private let backend: Backend

    enum Backend {
        case local(UnsafeMutablePointer<studio_provider_t>)
        case isolated(RemoteObject)
    }

    init(plugin: LoadedPlugin, backend: Backend) {
        self.plugin = plugin
        self.backend = backend
    }

    deinit {
        if case .local(let pointer) = backend { pointer.pointee.destroy?(pointer) }
    }

    private func call(_ member: String, _ remote: RunnerWire.ProviderMember, input: [UInt8] = [],
                      _ body: (UnsafePointer<studio_provider_t>, studio_str_t, UnsafePointer<studio_sink_t>, UnsafePointer<studio_sink_t>) -> studio_status_t?)
        throws(PluginCallError) -> JSONValue
    {
        switch backend {
        case .isolated(let object):
            return try object.jsonCall(member: member, .providerCall, aux: remote.rawValue, payload: input,
                                       timeoutMilliseconds: object.plugin.library.deadlines.requestMilliseconds)
        case .local(let pointer):
            let me = UnsafePointer(pointer)
            let pluginID = plugin.id
            return try input.withStudioStr { str throws(PluginCallError) in
                try jsonCall(plugin: pluginID, member: member) { out, error in
                    body(me, str, out, error) ?? studio_status_t(STUDIO_ERR_UNSUPPORTED)
                }
            }
        }
    }

    /// Normalized request → {"method","url","headers","body"}.
    public func buildRequest(_ request: JSONValue) throws(PluginCallError) -> JSONValue {
        try call("build_request", .buildRequest, input: Array(request.jsonString.utf8)) { p, s, o, e in p.pointee.build_request?(p, s, o, e) }
    }

    public func parseResponse(_ body: [UInt8]) throws(PluginCallError) -> JSONValue {
        try call("parse_response", .parseResponse, input: body) { p, s, o, e in p.pointee.parse_response?(p, s, o, e) }
    }

    public func buildListModels() throws(PluginCallError) -> JSONValue {
        try call("build_list_models", .buildListModels) { p, _, o, e in p.pointee.build_list_models?(p, o, e) }
    }

    public func parseListModels(_ body: [UInt8]) throws(PluginCallError) -> JSONValue {
        try call("parse_list_models", .parseListModels, input: body) { p, s, o, e in p.pointee.parse_list_models?(p, s, o, e) }
    }

    public func classifyError(status: Int, body: [UInt8]) throws(PluginCallError) -> JSONValue {
        // Isolated, the status travels ahead of the body (in-process it is an argument).
        var input = WireWriter()
        if case .isolated = backend { input.i32(Int32(clamping: status)) }
        input.raw(body)
        return try call("classify_error", .classifyError, input: input.bytes) { p, s, o, e in
            p.pointee.classify_error?(p, Int32(clamping: status), s, o, e)
        }
    }

    /// A decoder for one streaming response to `request`.
    public func makeDecoder(for request: JSONValue) throws(PluginCallError) -> StreamDecoderHandle {
        try makeDecoder(forJSON: request.jsonString)
    }

    /// The same, for a request already serialized (a load test sends one request many times).
    /// `deferCreation`: an isolated decoder is made with its first batch of reads (one
    /// round trip less per stream); its creation error then comes from that batch.
    public func makeDecoder(forJSON request: String, deferCreation: Bool = false) throws(PluginCallError) -> StreamDecoderHandle {
        let pointer: UnsafeMutablePointer<studio_provider_t>
        switch backend {
        case .isolated(let object):
            return StreamDecoderHandle(owner: self, backend: .isolated(try RemoteDecoder(provider: object, requestJSON: request,
                                                                                         deferCreation: deferCreation)))
        case .local(let local):
            pointer = local
        }
        guard let create = pointer.pointee.decoder_create else {
            throw PluginCallError(plugin: plugin.id, member: "decoder_create", status: STUDIO_ERR_UNSUPPORTED, message: "")
        }
        var decoder: UnsafeMutablePointer<studio_stream_decoder_t>?
        let error = ByteSink()
        let me = UnsafePointer(pointer)
        let status = request.withStudioStr { str in error.withSink { create(me, str, &decoder, $0) } }
        guard status == STUDIO_OK, let decoder else {
            throw PluginCallError(plugin: plugin.id, member: "decoder_create", status: status, message: error.text)
        }
        return StreamDecoderHandle(owner: self, backend: .local(decoder))
    }

    /// Whether this instance's decoders prefer batches of reads (it runs isolated).
    public var makeDecoderPrefersBatches: Bool {
        if case .isolated = backend { return true }
        return false
    }

    /// Ends a call stuck in this instance's plugin from another thread, when it runs
    /// isolated (the runner is killed; the call fails `cancelled`). In-process: nothing.
    public func interrupt() {
        if case .isolated(let object) = backend { object.interrupt() }
    }
}

/// One event decoded from a provider stream, copied out of the plugin's borrowed slices.
public enum DecodedEvent: Sendable, Equatable {
    case text(String)
    case reasoning(String)
    case toolCall(index: Int, id: String, name: String, arguments: String)
    case usage(input: Int?, output: Int?, reasoning: Int?, cachedInput: Int?)
    case finish(reason: String, raw: String)
    case error(message: String, code: String)
    case end

    /// True for events that carry a token: the ones that stop the TTFT clock.
    public var carriesToken: Bool {
        switch self {
        case .text, .reasoning, .toolCall: return true
        default: return false
        }
    }

    init?(_ e: studio_stream_event_t) {
        func count(_ v: Int64) -> Int? { v < 0 ? nil : Int(v) }
        switch Int(e.kind) {
        case Int(STUDIO_EVENT_TEXT): self = .text(e.text.string)
        case Int(STUDIO_EVENT_REASONING): self = .reasoning(e.text.string)
        case Int(STUDIO_EVENT_TOOL_CALL):
            self = .toolCall(index: Int(e.tool_index), id: e.tool_id.string, name: e.tool_name.string, arguments: e.text.string)
        case Int(STUDIO_EVENT_USAGE):
            self = .usage(input: count(e.input_tokens), output: count(e.output_tokens),
                          reasoning: count(e.reasoning_tokens), cachedInput: count(e.cached_input_tokens))
        case Int(STUDIO_EVENT_FINISH): self = .finish(reason: e.text.string, raw: e.detail.string)
        case Int(STUDIO_EVENT_ERROR): self = .error(message: e.text.string, code: e.detail.string)
        case Int(STUDIO_EVENT_END): self = .end
        default: return nil  // a kind from a later minor version: ignored, as the ABI promises
        }
    }
}

/// A stream decoder owned by the host: one stream, one task at a time.
public final class StreamDecoderHandle {
    private let owner: ProviderInstance  // keeps the provider alive while its decoder lives
    private let backend: Backend
    private var handler: ((DecodedEvent) -> Void)?
    private var emitted = 0

    enum Backend {
        case local(UnsafeMutablePointer<studio_stream_decoder_t>)
        case isolated(RemoteDecoder)
    }

    init(owner: ProviderInstance, backend: Backend) {
        self.owner = owner
        self.backend = backend
    }

    deinit {
        if case .local(let pointer) = backend { pointer.pointee.destroy?(pointer) }
    }

    private static let emit: studio_emit_fn = { context, event in
        guard let context, let event else { return }
        let me = Unmanaged<StreamDecoderHandle>.fromOpaque(context).takeUnretainedValue()
        // Struct-size rule: read only what the plugin's struct contains.
        guard Int(event.pointee.struct_size) >= MemoryLayout<studio_stream_event_t>.size,
              let decoded = DecodedEvent(event.pointee) else { return }
        me.emitted += 1
        me.handler?(decoded)
    }

    /// Feeds one network read; `onEvent` sees each decoded event before this returns.
    /// Returns how many events the read produced.
    @discardableResult
    public func decode(_ bytes: UnsafeRawBufferPointer, onEvent: (DecodedEvent) -> Void) throws(PluginCallError) -> Int {
        if case .isolated(let remote) = backend {
            return try remote.run("decode", .decode, payload: Array(bytes), onEvent: onEvent)
        }
        return try run("decode", onEvent) { me, context, error in
            me.pointee.decode?(me, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                               StreamDecoderHandle.emit, context, error)
        }
    }

    @discardableResult
    public func decode(_ bytes: [UInt8], onEvent: (DecodedEvent) -> Void) throws(PluginCallError) -> Int {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(PluginCallError) -> Int in try decode(raw, onEvent: onEvent) }
        }
        return try result.get()
    }

    /// Whether reads are better handed over several at a time (`decodeBatch`): true for an
    /// isolated decoder, where each call is a round trip to its runner.
    public var prefersBatches: Bool {
        if case .isolated = backend { return true }
        return false
    }

    /// Decodes several reads in order, as many `decode` calls would, then finishes the
    /// stream when `finishing`; `onEvent` gets each event with the index of the read it
    /// came from (`reads.count` for the finish's). A failing read ends the batch: the
    /// reads before it are delivered and the error names its index.
    public func decodeBatch(_ reads: [[UInt8]], finishing: Bool = false, onEvent: (Int, DecodedEvent) -> Void) throws(BatchFailure) {
        if case .isolated(let remote) = backend {
            return try remote.runBatch(reads, finishing: finishing, onEvent: onEvent)
        }
        for (index, read) in reads.enumerated() {
            do throws(PluginCallError) {
                try decode(read) { onEvent(index, $0) }
            } catch {
                throw BatchFailure(readIndex: index, error: error)
            }
        }
        guard finishing else { return }
        do throws(PluginCallError) {
            try finish { onEvent(reads.count, $0) }
        } catch {
            throw BatchFailure(readIndex: reads.count, error: error)
        }
    }

    /// The body ended: flushes the decoder.
    @discardableResult
    public func finish(onEvent: (DecodedEvent) -> Void) throws(PluginCallError) -> Int {
        if case .isolated(let remote) = backend {
            return try remote.run("finish", .finish, payload: [], onEvent: onEvent)
        }
        return try run("finish", onEvent) { me, context, error in
            me.pointee.finish?(me, StreamDecoderHandle.emit, context, error)
        }
    }

    private func run(_ member: String, _ onEvent: (DecodedEvent) -> Void,
                     _ body: (UnsafeMutablePointer<studio_stream_decoder_t>, UnsafeMutableRawPointer, UnsafePointer<studio_sink_t>) -> studio_status_t?)
        throws(PluginCallError) -> Int
    {
        guard case .local(let pointer) = backend else { return 0 }
        let error = ByteSink()
        let before = emitted
        let status: studio_status_t = withoutActuallyEscaping(onEvent) { escapable in
            handler = escapable
            defer { handler = nil }
            let context = Unmanaged.passUnretained(self).toOpaque()
            return error.withSink { body(pointer, context, $0) } ?? studio_status_t(STUDIO_ERR_UNSUPPORTED)
        }
        guard status == STUDIO_OK else {
            throw PluginCallError(plugin: owner.plugin.id, member: member, status: status, message: error.text)
        }
        return emitted - before
    }
}

/// A batch of reads stopped at `readIndex` with `error`.
public struct BatchFailure: Error, Sendable {
    public let readIndex: Int
    public let error: PluginCallError
}

/// One configured scorer, owned by the host. score is [any-thread].
public final class ScorerInstance: @unchecked Sendable {
    public let plugin: LoadedPlugin
    private let backend: Backend

    enum Backend {
        case local(UnsafeMutablePointer<studio_scorer_t>)
        case isolated(RemoteObject)
    }

    init(plugin: LoadedPlugin, backend: Backend) {
        self.plugin = plugin
        self.backend = backend
    }

    deinit {
        if case .local(let pointer) = backend { pointer.pointee.destroy?(pointer) }
    }

    /// Ends a score stuck in an isolated plugin, from another thread (see ProviderInstance).
    public func interrupt() {
        if case .isolated(let object) = backend { object.interrupt() }
    }

    /// Scores from async code: the call blocks a thread of its own, never one of the
    /// cooperative pool the server runs on, and cancelling the task ends a stuck isolated
    /// call (the score fails `cancelled`; this instance refuses later calls).
    public func scoreDetached(case testCase: JSONValue, output: JSONValue) async throws(PluginCallError) -> JSONValue {
        let caseBytes = Array(testCase.jsonString.utf8), outputBytes = Array(output.jsonString.utf8)
        if Task.isCancelled {
            throw PluginCallError(plugin: plugin.id, member: "score", status: PluginCallError.cancelled, message: "cancelled")
        }
        let result: Result<JSONValue, PluginCallError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(returning: Result { () throws(PluginCallError) -> JSONValue in
                        try self.score(caseBytes: caseBytes, outputBytes: outputBytes)
                    })
                }
            }
        } onCancel: {
            self.interrupt()
        }
        return try result.get()
    }

    /// Scores one output against one case: {"score","passed","subscores","error_type","details"}.
    public func score(case testCase: JSONValue, output: JSONValue) throws(PluginCallError) -> JSONValue {
        try score(caseJSON: testCase.jsonString, outputJSON: output.jsonString)
    }

    public func score(caseJSON: String, outputJSON: String) throws(PluginCallError) -> JSONValue {
        try score(caseBytes: Array(caseJSON.utf8), outputBytes: Array(outputJSON.utf8))
    }

    /// The bytes as given (the conformance checks feed invalid UTF-8 through here).
    public func score(caseBytes: [UInt8], outputBytes: [UInt8]) throws(PluginCallError) -> JSONValue {
        let caseJSON = caseBytes, outputJSON = outputBytes
        let id = plugin.id
        let result: JSONValue
        switch backend {
        case .isolated(let object):
            var input = WireWriter()
            input.u32(UInt32(caseJSON.count))
            input.raw(caseJSON)
            input.raw(outputJSON)
            result = try object.jsonCall(member: "score", .score, payload: input.bytes,
                                         timeoutMilliseconds: object.plugin.library.deadlines.scoreMilliseconds)
        case .local(let pointer):
            let me = UnsafePointer(pointer)
            result = try caseJSON.withStudioStr { c throws(PluginCallError) in
                try outputJSON.withStudioStr { o throws(PluginCallError) in
                    try jsonCall(plugin: id, member: "score") { out, error in
                        me.pointee.score?(me, c, o, out, error) ?? studio_status_t(STUDIO_ERR_UNSUPPORTED)
                    }
                }
            }
        }
        guard let score = result["score"]?.doubleValue, score >= 0, score <= 1, result["passed"]?.boolValue != nil else {
            throw PluginCallError(plugin: id, member: "score", status: STUDIO_ERR_INTERNAL,
                                  message: "result must have score in 0...1 and a boolean passed, got \(result.jsonString.prefix(200))")
        }
        return result
    }
}
