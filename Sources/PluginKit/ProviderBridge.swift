import PluginABI

// Boxes that carry Swift objects through the C structs' `*_data` pointers, and the C
// function tables that call into them. Each box is retained once at creation and
// released in `destroy`, the only place the C side gives ownership back.

final class ProviderBox {
    let adapter: any ProviderAdapter
    init(_ adapter: any ProviderAdapter) { self.adapter = adapter }
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
