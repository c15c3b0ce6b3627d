/// The framed protocol between the host and a plugin runner process (docs/plugins.md,
/// "Isolation and trust"). Both ends speak it through this file and its readers and writers (WireWriter,
/// WireReader, FrameIO): it is private to one build, so it
/// has no version of its own. Binary and little-endian:
///
///     request   u32 length | u8 op | u32 handle | u32 aux | payload
///     response  u32 length | i32 status | payload
///
/// `length` counts what follows it. A status is a studio_status_t from the plugin, or one
/// of `RunnerWire.Status`'s runner-level codes. One request is answered before the next.
enum RunnerWire {
    /// Frames larger than this are refused by either end: the in-process sinks cap a
    /// plugin's output at 16 MiB, and a request carries at most one network read or one
    /// case and output.
    static let maxFrame = 64 << 20

    enum Op: UInt8 {
        /// payload: {"path","sha256"}. Answer: {"manifest","abi","sha256","sandbox"}, or
        /// {"code","message"} with status loadFailed.
        case load = 1
        /// handle: the new object's id (chosen by the host); payload: its config JSON.
        case providerCreate, scorerCreate, destroyProvider, destroyScorer
        /// aux: a ProviderMember; payload: its input. Answer: JSON text.
        case providerCall
        /// handle: the provider; aux: the new decoder's id; payload: the request JSON.
        case decoderCreate
        /// payload: one read. Answer: u32 count | events | message (for a failed status).
        case decode, finish, destroyDecoder
        /// payload: u32 case length | case | output. Answer: JSON text.
        case score
        /// Several reads of one stream in one round trip (the host stamped each already).
        /// handle: the provider; aux: the decoder. payload: u32 flags (1: make the decoder
        /// first, from the request JSON that follows as u32 length | bytes; 2: finish after
        /// the reads) | u32 n | n × (u32 length | bytes). Answer: u32 entries done | per
        /// entry (u32 count | events), the finish last | message; the status is the first
        /// failing entry's. A finishing batch also releases the decoder.
        case decodeBatch
        /// The objects alive in the runner. Answer: u32 providers | u32 scorers | u32 decoders.
        case census
    }

    enum ProviderMember: UInt32 {
        case buildRequest = 1, parseResponse, buildListModels, parseListModels, classifyError
    }

    /// Runner-level outcomes, outside the ABI's status range.
    enum Status {
        static let unknownHandle: Int32 = 1000
        static let badRequest: Int32 = 1001
        static let loadFailed: Int32 = 1002
    }
}

extension DecodedEvent {
    /// The event on the wire: u8 kind, then its fields.
    func write(to w: inout WireWriter) {
        func count(_ v: Int?) -> Int64 { v.map(Int64.init) ?? -1 }
        switch self {
        case .text(let s): w.u8(1); w.string(s)
        case .reasoning(let s): w.u8(2); w.string(s)
        case let .toolCall(index, id, name, arguments):
            w.u8(3); w.i64(Int64(index)); w.string(id); w.string(name); w.string(arguments)
        case let .usage(input, output, reasoning, cachedInput):
            w.u8(4); w.i64(count(input)); w.i64(count(output)); w.i64(count(reasoning)); w.i64(count(cachedInput))
        case let .finish(reason, raw): w.u8(5); w.string(reason); w.string(raw)
        case let .error(message, code): w.u8(6); w.string(message); w.string(code)
        case .end: w.u8(7)
        }
    }

    static func read(from r: inout WireReader) throws(WireReader.Truncated) -> DecodedEvent {
        func count(_ v: Int64) -> Int? { v < 0 ? nil : Int(v) }
        switch try r.u8() {
        case 1: return .text(try r.string())
        case 2: return .reasoning(try r.string())
        case 3:
            let index = Int(clamping: try r.i64())
            return .toolCall(index: index, id: try r.string(), name: try r.string(), arguments: try r.string())
        case 4:
            return .usage(input: count(try r.i64()), output: count(try r.i64()), reasoning: count(try r.i64()), cachedInput: count(try r.i64()))
        case 5: return .finish(reason: try r.string(), raw: try r.string())
        case 6: return .error(message: try r.string(), code: try r.string())
        case 7: return .end
        default: throw WireReader.Truncated()
        }
    }
}
