import PluginABI

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
