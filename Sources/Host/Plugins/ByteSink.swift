import PluginABI

/// The host's side of studio_sink_t: collects what a plugin writes during one call.
/// Capped (16 MiB by default) so a runaway plugin cannot exhaust memory; past the cap the
/// write is refused and the plugin returns STUDIO_ERR_OUTPUT_REFUSED.
final class ByteSink {
    private(set) var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int = 16 << 20) { self.limit = limit }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Calls `body` with a sink valid only during the call (ownership rule: sinks are
    /// borrowed by the plugin for the member call that receives them).
    func withSink<R>(_ body: (UnsafePointer<studio_sink_t>) -> R) -> R {
        var sink = studio_sink_t(
            sink_data: Unmanaged.passUnretained(self).toOpaque(),
            write: { sink, data, len in
                guard let sink, let context = sink.pointee.sink_data else { return false }
                let me = Unmanaged<ByteSink>.fromOpaque(context).takeUnretainedValue()
                guard me.bytes.count + len <= me.limit else { return false }
                if len > 0, let data {
                    me.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: len))
                }
                return true
            })
        return withUnsafePointer(to: &sink) { body($0) }
    }
}

extension String {
    /// Passes the UTF-8 bytes of the string as a borrowed studio_str_t.
    /// Typed throws pass through (withUTF8 itself only rethrows untyped errors).
    func withStudioStr<R, E: Error>(_ body: (studio_str_t) throws(E) -> R) throws(E) -> R {
        var copy = self
        let result = copy.withUTF8 { bytes in
            Result { () throws(E) -> R in
                try body(studio_str_t(data: bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                      len: bytes.count))
            }
        }
        return try result.get()
    }
}

extension Array where Element == UInt8 {
    /// Raw bytes as a borrowed studio_str_t (may be any bytes, e.g. invalid UTF-8 in tests).
    func withStudioStr<R, E: Error>(_ body: (studio_str_t) throws(E) -> R) throws(E) -> R {
        let result = withUnsafeBufferPointer { bytes in
            Result { () throws(E) -> R in
                try body(studio_str_t(data: bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                      len: bytes.count))
            }
        }
        return try result.get()
    }
}

extension studio_str_t {
    var string: String {
        guard let data, len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: len), as: UTF8.self)
    }
}
