#if canImport(Glibc)
import Glibc
#endif

// HTTP/1.1 on the wire (RFC 9112), the one implementation both connection drivers share:
// the socket loop (plain HTTP) and the NIO channel (TLS). Sans-I/O: bytes in, parts out.
//
// The response parser works in place: body bytes are moved to the front of the read they
// came in, over the chunk framing between them, so each read hands its whole body to the
// exchange in one contiguous piece, with the read's one arrival stamp, without a copy into
// another buffer. (One piece per read also keeps "one read, one ReadRecord" true when a
// read gathers several chunks.)

/// A response as it arrives, one read at a time.
public struct HTTP1ResponseParser {
    public struct Head: Sendable {
        public let status: Int
        public let headers: [(String, String)]
    }

    /// What one read held. `body` indexes the read's buffer, after in-place compaction.
    public struct Parts: Sendable {
        public var head: Head?
        public var body: Range<Int> = 0..<0
        public var ended = false
        /// Bytes after the end of the response (the connection cannot be reused).
        public var trailing = 0
    }

    private enum State {
        case head
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data; `seen` of its two bytes read.
        case chunkEnd(seen: Int)
        case trailers
        case untilClose
        case done
    }

    static let headLimit = 65_536
    static let lineLimit = 8_192

    private var state = State.done
    /// An incomplete head, chunk-size line or trailer line carried over to the next read.
    private var carry: [UInt8] = []
    private var noBody = false
    /// Whether the connection may carry another request after this response.
    public private(set) var keepAlive = true

    public init() {}

    /// Ready for the response to a request with this method.
    public mutating func expectResponse(toMethod method: String) {
        state = .head
        carry.removeAll(keepingCapacity: true)
        noBody = method.uppercased() == "HEAD"
        keepAlive = true
    }

    public var isAwaitingHead: Bool { if case .head = state { return true } else { return false } }

    /// Parses one read; body bytes are moved to the front of their region of `buffer`.
    public mutating func parse(_ buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Parts {
        var parts = Parts()
        var read = 0
        var write = 0
        let count = buffer.count
        func takeBody(_ n: Int) {
            if write != read, n > 0 { memmove(buffer.baseAddress! + write, buffer.baseAddress! + read, n) }
            write += n
            read += n
        }
        while read < count {
            switch state {
            case .done:
                parts.trailing = count - read
                read = count
            case .head:
                guard let line = try nextLine(buffer, &read, wholeHead: true, limit: Self.headLimit) else { break }
                let head = try parseHead(line.bytes(in: buffer))
                if (100..<200).contains(head.status) {
                    guard head.status != 101 else { throw TransportError(.protocolError, "server switched protocols") }
                    state = .head  // an interim response; the final one follows
                    continue
                }
                parts.head = head
                write = read
                parts.body = write..<write
                if case .done = state { parts.ended = true }
            case .length(let remaining):
                let n = min(remaining, count - read)
                takeBody(n)
                state = remaining == n ? .done : .length(remaining: remaining - n)
                if remaining == n { parts.ended = true }
            case .untilClose:
                takeBody(count - read)
            case .chunkSize:
                guard let line = try nextLine(buffer, &read, wholeHead: false, limit: Self.lineLimit) else { break }
                let size: Int
                switch line {
                case .inRead(let range): size = try Self.chunkSize(buffer[range])
                case .carried(let bytes): size = try Self.chunkSize(bytes)
                }
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let n = min(remaining, count - read)
                takeBody(n)
                state = remaining == n ? .chunkEnd(seen: 0) : .chunkData(remaining: remaining - n)
            case .chunkEnd(var seen):
                while seen < 2 && read < count {
                    guard buffer[read] == (seen == 0 ? 13 : 10) else {
                        throw TransportError(.protocolError, "chunk data not followed by CRLF")
                    }
                    seen += 1
                    read += 1
                }
                state = seen == 2 ? .chunkSize : .chunkEnd(seen: seen)
            case .trailers:
                guard let line = try nextLine(buffer, &read, wholeHead: false, limit: Self.lineLimit) else { break }
                if line.isEmpty {
                    state = .done
                    parts.ended = true
                }
            }
        }
        parts.body = parts.body.lowerBound..<max(parts.body.lowerBound, write)
        return parts
    }

    /// The connection reached end of file: true when that ends the response (a body
    /// delimited by the close); throws when the response was cut short.
    public mutating func closed() throws(TransportError) -> Bool {
        switch state {
        case .untilClose:
            state = .done
            return true
        case .done:
            return false
        case .head where carry.isEmpty:
            throw TransportError(.network, "connection closed before the response head")
        default:
            throw TransportError(.network, "connection closed before the response ended")
        }
    }

    /// A complete line, without its final line ending: still in the read (no copy), or
    /// gathered across reads.
    private enum Line {
        case inRead(Range<Int>)
        case carried([UInt8])

        var isEmpty: Bool {
            switch self {
            case .inRead(let range): return range.isEmpty
            case .carried(let bytes): return bytes.isEmpty
            }
        }

        func bytes(in buffer: UnsafeMutableRawBufferPointer) -> [UInt8] {
            switch self {
            case .inRead(let range): return Array(buffer[range])
            case .carried(let bytes): return bytes
            }
        }
    }

    /// Takes bytes up to the end of a line (or with `wholeHead`, of the head: a blank
    /// line), carrying an incomplete one over to the next read; nil while incomplete (the
    /// read is then all taken).
    private mutating func nextLine(_ buffer: UnsafeMutableRawBufferPointer, _ read: inout Int, wholeHead: Bool,
                                   limit: Int) throws(TransportError) -> Line? {
        var i = read
        while i < buffer.count {
            defer { i += 1 }
            guard buffer[i] == 10 else { continue }
            if wholeHead {
                // A blank line: this LF follows another LF, with or without a CR between.
                let previous = i > read ? buffer[i - 1] : carry.last
                let beforeThat = i > read + 1 ? buffer[i - 2] : (i == read + 1 ? carry.last : carry.dropLast().last)
                let blank = previous == 10 || (previous == 13 && beforeThat == 10)
                guard blank else { continue }
            }
            var end = i
            if end > read, buffer[end - 1] == 13 { end -= 1 }
            let start = read
            read = i + 1
            if carry.isEmpty { return .inRead(start..<end) }
            carry += buffer[start..<i]
            if carry.last == 13 { carry.removeLast() }
            defer { carry.removeAll(keepingCapacity: true) }
            return .carried(carry)
        }
        carry += buffer[read...]
        read = buffer.count
        if carry.count > limit { throw TransportError(.protocolError, "response head or line too long") }
        return nil
    }

    /// Status line and headers; sets the body's framing (RFC 9112 §6.3).
    private mutating func parseHead(_ bytes: [UInt8]) throws(TransportError) -> Head {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map { line in
            line.last == 13 ? line.dropLast() : line
        }
        guard !lines.isEmpty else { throw TransportError(.protocolError, "empty response head") }
        let statusLine = lines.removeFirst()
        // "HTTP/1.1 200 OK": version, three-digit status, optional reason.
        guard statusLine.count >= 12, statusLine.starts(with: "HTTP/1.".utf8), statusLine[statusLine.startIndex + 8] == 32 else {
            throw TransportError(.protocolError, "malformed status line")
        }
        let minor = statusLine[statusLine.startIndex + 7]
        let digits = statusLine[(statusLine.startIndex + 9)..<(statusLine.startIndex + 12)]
        guard minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1"), digits.allSatisfy({ (48...57).contains($0) }),
              statusLine.count == 12 || statusLine[statusLine.startIndex + 12] == 32 else {
            throw TransportError(.protocolError, "malformed status line")
        }
        let status = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
        var headers: [(String, String)] = []
        var contentLength: Int?
        var chunked = false
        var transferEncoded = false
        var connectionClose = minor == UInt8(ascii: "0")
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
                throw TransportError(.protocolError, "malformed header line")
            }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            guard HTTP1Request.isToken(name) else { throw TransportError(.protocolError, "malformed header name") }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            headers.append((name, value))
            switch name.lowercased() {
            case "content-length":
                guard let n = Int(value), n >= 0, contentLength == nil || contentLength == n else {
                    throw TransportError(.protocolError, "invalid Content-Length")
                }
                contentLength = n
            case "transfer-encoding":
                transferEncoded = true
                let last = value.split(separator: ",").last.map { String($0).trimmingSpaces().lowercased() }
                chunked = last == "chunked"
            case "connection":
                let options = value.lowercased().split(separator: ",").map { String($0).trimmingSpaces() }
                if options.contains("close") { connectionClose = true }
                if minor == UInt8(ascii: "0") && options.contains("keep-alive") { connectionClose = false }
            default:
                break
            }
        }
        keepAlive = !connectionClose
        if noBody || status == 204 || status == 304 || (100..<200).contains(status) {
            state = .done
        } else if transferEncoded {
            // A length beside a transfer coding is ignored, and the connection not reused.
            if contentLength != nil { keepAlive = false }
            if chunked {
                state = .chunkSize
            } else {
                state = .untilClose
                keepAlive = false
            }
        } else if let contentLength {
            state = contentLength == 0 ? .done : .length(remaining: contentLength)
        } else {
            state = .untilClose
            keepAlive = false
        }
        return Head(status: status, headers: headers)
    }

    /// Hex size before any chunk extension.
    private static func chunkSize<Bytes: Sequence<UInt8>>(_ line: Bytes) throws(TransportError) -> Int {
        var size = 0
        var digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case 48...57: value = Int(byte) - 48
            case 65...70: value = Int(byte) - 55
            case 97...102: value = Int(byte) - 87
            case UInt8(ascii: ";"), 32, 9:
                guard digits > 0 else { throw TransportError(.protocolError, "invalid chunk size") }
                return size
            default:
                throw TransportError(.protocolError, "invalid chunk size")
            }
            guard digits < 15 else { throw TransportError(.protocolError, "chunk too large") }
            size = size * 16 + value
            digits += 1
        }
        guard digits > 0 else { throw TransportError(.protocolError, "invalid chunk size") }
        return size
    }
}

private extension String {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
