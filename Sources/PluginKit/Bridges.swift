import PluginABI

// Boxes that carry Swift objects through the C structs' `*_data` pointers, and the C
// function tables that call into them. Each box is retained once at creation and
// released in `destroy`, the only place the C side gives ownership back.

final class ProviderBox {
    let adapter: any ProviderAdapter
    init(_ adapter: any ProviderAdapter) { self.adapter = adapter }
}

final class DecoderBox {
    let decoder: any StreamDecoder
    init(_ decoder: any StreamDecoder) { self.decoder = decoder }
}

final class ScorerBox {
    let scorer: any Scorer
    init(_ scorer: any Scorer) { self.scorer = scorer }
}

private func providerAdapter(_ provider: UnsafePointer<studio_provider_t>?) -> any ProviderAdapter {
    Unmanaged<ProviderBox>.fromOpaque(provider!.pointee.provider_data).takeUnretainedValue().adapter
}

enum ProviderBridge {
    static func make(_ adapter: any ProviderAdapter) -> UnsafeMutablePointer<studio_provider_t> {
        let p = UnsafeMutablePointer<studio_provider_t>.allocate(capacity: 1)
        p.initialize(to: studio_provider_t(
            struct_size: UInt32(MemoryLayout<studio_provider_t>.size),
            provider_data: Unmanaged.passRetained(ProviderBox(adapter)).toOpaque(),
            build_request: { me, request, out, error in
                guarded(error) { try writeOrThrow(try providerAdapter(me).buildRequest(try request.json()).json.jsonString, to: out) }
            },
            decoder_create: { me, request, out, error in
                guarded(error) {
                    guard let out else { throw PluginError.invalidInput("no output pointer for the decoder") }
                    let requestJSON: JSONValue = request.len == 0 ? .object([:]) : try request.json()
                    out.pointee = DecoderBridge.make(try providerAdapter(me).makeStreamDecoder(for: requestJSON))
                }
            },
            parse_response: { me, body, out, error in
                guarded(error) { try writeOrThrow(try providerAdapter(me).parseResponse(body.bytes).jsonString, to: out) }
            },
            build_list_models: { me, out, error in
                guarded(error) { try writeOrThrow(try providerAdapter(me).buildListModelsRequest().json.jsonString, to: out) }
            },
            parse_list_models: { me, body, out, error in
                guarded(error) { try writeOrThrow(try providerAdapter(me).parseListModels(body.bytes).jsonString, to: out) }
            },
            classify_error: { me, status, body, out, error in
                guarded(error) { try writeOrThrow(providerAdapter(me).classifyError(status: Int(status), body: body.bytes).jsonString, to: out) }
            },
            destroy: { me in
                guard let me else { return }
                Unmanaged<ProviderBox>.fromOpaque(me.pointee.provider_data).release()
                me.deinitialize(count: 1)
                me.deallocate()
            }))
        return p
    }
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

enum ScorerBridge {
    static func make(_ scorer: any Scorer) -> UnsafeMutablePointer<studio_scorer_t> {
        let s = UnsafeMutablePointer<studio_scorer_t>.allocate(capacity: 1)
        s.initialize(to: studio_scorer_t(
            struct_size: UInt32(MemoryLayout<studio_scorer_t>.size),
            scorer_data: Unmanaged.passRetained(ScorerBox(scorer)).toOpaque(),
            score: { me, testCase, output, out, error in
                guarded(error) {
                    guard let me else { throw PluginError.invalidInput("no scorer") }
                    let box = Unmanaged<ScorerBox>.fromOpaque(me.pointee.scorer_data).takeUnretainedValue()
                    let result = try box.scorer.score(case: try testCase.json(), output: try output.json())
                    try writeOrThrow(result.json.jsonString, to: out)
                }
            },
            destroy: { me in
                guard let me else { return }
                Unmanaged<ScorerBox>.fromOpaque(me.pointee.scorer_data).release()
                me.deinitialize(count: 1)
                me.deallocate()
            }))
        return s
    }
}
