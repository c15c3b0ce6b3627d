import PluginABI

final class DecoderBox {
    let decoder: any StreamDecoder
    init(_ decoder: any StreamDecoder) { self.decoder = decoder }
}

enum DecoderBridge {
    static func make(_ decoder: any StreamDecoder) -> UnsafeMutablePointer<studio_stream_decoder_t> {
        let d = UnsafeMutablePointer<studio_stream_decoder_t>.allocate(capacity: 1)
        d.initialize(to: studio_stream_decoder_t(
            struct_size: UInt32(MemoryLayout<studio_stream_decoder_t>.size),
            decoder_data: Unmanaged.passRetained(DecoderBox(decoder)).toOpaque(),
            decode: { me, bytes, len, emit, emitData, error in
                guard let me, let emit else { return studio_status_t(STUDIO_ERR_INVALID_INPUT) }
                let box = Unmanaged<DecoderBox>.fromOpaque(me.pointee.decoder_data).takeUnretainedValue()
                var sink = StreamEventSink(emit: emit, emitData: emitData)
                return guarded(error) {
                    try box.decoder.decode(UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : len), into: &sink)
                }
            },
            finish: { me, emit, emitData, error in
                guard let me, let emit else { return studio_status_t(STUDIO_ERR_INVALID_INPUT) }
                let box = Unmanaged<DecoderBox>.fromOpaque(me.pointee.decoder_data).takeUnretainedValue()
                var sink = StreamEventSink(emit: emit, emitData: emitData)
                return guarded(error) { try box.decoder.finish(into: &sink) }
            },
            destroy: { me in
                guard let me else { return }
                Unmanaged<DecoderBox>.fromOpaque(me.pointee.decoder_data).release()
                me.deinitialize(count: 1)
                me.deallocate()
            }))
        return d
    }
}
