import PluginABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The C side of a Swift plugin. Each plugin library links its own copy of PluginKit
// (RTLD_LOCAL keeps the copies apart), so these process-wide globals are per plugin.
// They are written once, by the entry call on the host's loading thread, before any
// other member can run, and only read afterwards.

nonisolated(unsafe) private var registeredManifest: UnsafeMutablePointer<CChar>?
nonisolated(unsafe) private var registeredProvider: (any ProviderAdapter.Type)?
nonisolated(unsafe) private var registeredScorer: (any Scorer.Type)?
nonisolated(unsafe) private var registeredHost: UnsafePointer<studio_host_t>?
nonisolated(unsafe) private var descriptor: UnsafeMutablePointer<studio_plugin_descriptor_t>?
nonisolated(unsafe) private var providerFactory: UnsafeMutablePointer<studio_provider_factory_t>?
nonisolated(unsafe) private var scorerFactory: UnsafeMutablePointer<studio_scorer_factory_t>?

public enum PluginExport {
    /// The body of a Swift plugin's `studio_plugin_entry`. Returns the static descriptor,
    /// or nil (refusing the load) when the host speaks another ABI major.
    public static func entry(hostABI: UInt32, manifest: PluginManifest,
                             provider: (any ProviderAdapter.Type)? = nil,
                             scorer: (any Scorer.Type)? = nil) -> UnsafeRawPointer? {
        guard hostABI >> 16 == UInt32(STUDIO_ABI_VERSION_MAJOR) else { return nil }
        if let descriptor { return UnsafeRawPointer(descriptor) }

        var withKinds = manifest
        if provider != nil, withKinds.provider == nil { withKinds.provider = [:] }
        if scorer != nil, withKinds.scorer == nil { withKinds.scorer = [:] }
        registeredManifest = strdup(withKinds.json.jsonString)
        registeredProvider = provider
        registeredScorer = scorer

        let d = UnsafeMutablePointer<studio_plugin_descriptor_t>.allocate(capacity: 1)
        d.initialize(to: studio_plugin_descriptor_t(
            abi_version: (UInt32(STUDIO_ABI_VERSION_MAJOR) << 16) | UInt32(STUDIO_ABI_VERSION_MINOR),
            struct_size: UInt32(MemoryLayout<studio_plugin_descriptor_t>.size),
            manifest_json: UnsafePointer(registeredManifest),
            init: { host, _ in
                registeredHost = host
                return studio_status_t(STUDIO_OK)
            },
            get_factory: { id in
                guard let id else { return nil }
                switch String(cString: id) {
                case STUDIO_PROVIDER_FACTORY_ID where registeredProvider != nil:
                    return UnsafeRawPointer(PluginExport.makeProviderFactory())
                case STUDIO_SCORER_FACTORY_ID where registeredScorer != nil:
                    return UnsafeRawPointer(PluginExport.makeScorerFactory())
                default:
                    return nil
                }
            }))
        descriptor = d
        return UnsafeRawPointer(d)
    }

    /// Writes a line to the host's log (no-op before init).
    public static func log(_ message: String, level: Int32 = Int32(STUDIO_LOG_INFO)) {
        guard let host = registeredHost, let log = host.pointee.log else { return }
        var message = message
        message.withUTF8 { log(host, level, studio_str_t(slice: $0)) }
    }

    fileprivate static func makeProviderFactory() -> UnsafeMutablePointer<studio_provider_factory_t> {
        if let providerFactory { return providerFactory }
        let f = UnsafeMutablePointer<studio_provider_factory_t>.allocate(capacity: 1)
        f.initialize(to: studio_provider_factory_t(
            struct_size: UInt32(MemoryLayout<studio_provider_factory_t>.size),
            create: { config, out, error in
                guard let out, let type = registeredProvider else { return studio_status_t(STUDIO_ERR_INTERNAL) }
                return guarded(error) {
                    let adapter = try type.init(config: try config.json())
                    out.pointee = ProviderBridge.make(adapter)
                }
            }))
        providerFactory = f
        return f
    }

    fileprivate static func makeScorerFactory() -> UnsafeMutablePointer<studio_scorer_factory_t> {
        if let scorerFactory { return scorerFactory }
        let f = UnsafeMutablePointer<studio_scorer_factory_t>.allocate(capacity: 1)
        f.initialize(to: studio_scorer_factory_t(
            struct_size: UInt32(MemoryLayout<studio_scorer_factory_t>.size),
            create: { config, out, error in
                guard let out, let type = registeredScorer else { return studio_status_t(STUDIO_ERR_INTERNAL) }
                return guarded(error) {
                    let configJSON: JSONValue = config.len == 0 ? .object([:]) : try config.json()
                    out.pointee = ScorerBridge.make(try type.init(config: configJSON))
                }
            }))
        scorerFactory = f
        return f
    }
}

// MARK: - Boundary helpers

/// Runs `body`, turning any thrown error into a status code and a message in `error`.
/// This is the one place where Swift errors stop: nothing unwinds into the host.
func guarded(_ errorSink: UnsafePointer<studio_sink_t>?, _ body: () throws -> Void) -> studio_status_t {
    do {
        try body()
        return studio_status_t(STUDIO_OK)
    } catch let failure as PluginError {
        write(failure.description, to: errorSink)
        switch failure {
        case .invalidInput: return studio_status_t(STUDIO_ERR_INVALID_INPUT)
        case .unsupported: return studio_status_t(STUDIO_ERR_UNSUPPORTED)
        case .malformedStream: return studio_status_t(STUDIO_ERR_PROTOCOL)
        case .internal: return studio_status_t(STUDIO_ERR_INTERNAL)
        }
    } catch let failure as OutputRefused {
        _ = failure
        return studio_status_t(STUDIO_ERR_OUTPUT_REFUSED)
    } catch {
        write("\(error)", to: errorSink)
        return studio_status_t(STUDIO_ERR_INTERNAL)
    }
}

struct OutputRefused: Error {}

/// Writes a string to a caller's sink. Throws OutputRefused when the sink says no.
func write(_ text: String, to sink: UnsafePointer<studio_sink_t>?) {
    try? writeOrThrow(text, to: sink)
}

func writeOrThrow(_ text: String, to sink: UnsafePointer<studio_sink_t>?) throws {
    guard let sink, let writeFn = sink.pointee.write else { return }
    var text = text
    let accepted = text.withUTF8 { bytes in
        writeFn(sink, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, bytes.count)
    }
    if !accepted { throw OutputRefused() }
}
