import PluginABI
import StudioJSON

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
        try PluginCallMetrics.measure(plugin: plugin.id, member: member) { () throws(PluginCallError) -> JSONValue in
            try callUnmeasured(member, remote, input: input, body)
        }
    }

    private func callUnmeasured(_ member: String, _ remote: RunnerWire.ProviderMember, input: [UInt8],
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
