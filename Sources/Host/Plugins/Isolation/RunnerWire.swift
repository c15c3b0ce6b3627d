import HostMeasurement

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The framed protocol between the host and a plugin runner process (docs/plugins.md,
/// "Isolation and trust"). Both ends are this file: it is private to one build, so it
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
        /// failing entry's.
        case decodeBatch
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

/// Appends little-endian values and length-prefixed strings.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u32(UInt32($0.count)); bytes.append(contentsOf: $0) }
    }
    mutating func raw(_ b: some Collection<UInt8>) { bytes.append(contentsOf: b) }
}

/// Reads what WireWriter wrote; every read is bounds-checked (the other end is untrusted).
struct WireReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    struct Truncated: Error {}

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws(Truncated) -> UInt8 {
        guard remaining >= 1 else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws(Truncated) -> UInt32 {
        guard remaining >= 4 else { throw Truncated() }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    mutating func i32() throws(Truncated) -> Int32 { Int32(bitPattern: try u32()) }

    mutating func i64() throws(Truncated) -> Int64 {
        let low = UInt64(try u32()), high = UInt64(try u32())
        return Int64(bitPattern: low | high << 32)
    }

    mutating func data(_ count: Int) throws(Truncated) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw Truncated() }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func string() throws(Truncated) -> String {
        String(decoding: try data(Int(try u32())), as: UTF8.self)
    }

    mutating func rest() -> ArraySlice<UInt8> {
        defer { offset = bytes.count }
        return bytes[offset...]
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

/// Blocking frame I/O on one connected socket, for both ends.
enum FrameIO {
    enum Failure: Error {
        case closed
        case timedOut
        case tooLarge(Int)
        case system(Int32)
    }

    /// Writes all of `bytes`. Never raises SIGPIPE (MSG_NOSIGNAL): a dead peer is `closed`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { throw .closed }
                throw .system(errno)
            }
            sent += n
        }
    }

    /// Reads one frame (its length word, then that many bytes). `deadline` is a
    /// CLOCK_MONOTONIC instant in nanoseconds, or nil to wait for ever.
    static func readFrame(_ fd: Int32, deadline: UInt64?) throws(Failure) -> [UInt8] {
        let head = try readExactly(fd, 4, deadline: deadline)
        let length = Int(UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24)
        guard length <= RunnerWire.maxFrame else { throw .tooLarge(length) }
        return try readExactly(fd, length, deadline: deadline)
    }

    private static func readExactly(_ fd: Int32, _ count: Int, deadline: UInt64?) throws(Failure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            if let deadline {
                let now = MonotonicClock.now()
                guard now < deadline else { throw .timedOut }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let wait = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
                let ready = poll(&pfd, 1, wait)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw .system(errno)
                }
                if ready == 0 { continue }  // the loop re-checks the deadline
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n == 0 { throw .closed }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { throw .closed }
                throw .system(errno)
            }
            got += n
        }
        return buffer
    }

    /// A frame: its length word, then `body`.
    static func frame(_ body: [UInt8]) -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(body.count))
        w.raw(body)
        return w.bytes
    }
}
