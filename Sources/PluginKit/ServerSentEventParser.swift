// A Server-Sent Events line splitter for stream decoders (WHATWG EventSource rules):
// lines end in LF, CR LF or CR; a blank line ends an event; lines starting with ':' are
// comments (keep-alives); "data:" lines of one event are joined with LF. Bytes are kept
// until a whole line has arrived, so a read that stops inside a UTF-8 character or a
// JSON value is never decoded early.

import StudioJSON

/// Works on bytes throughout and reuses its buffers, so an event costs no allocation on
/// the stream's hot path.
public struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []
    private var current = SSEEvent()
    private var hasData = false
    private var lastWasCR = false

    public init() {}

    /// Feeds bytes; calls `onEvent` for every event completed by them.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onEvent: (SSEEvent) throws -> Void) rethrows {
        var lineStart = 0
        var i = 0
        let count = bytes.count
        while i < count {
            let byte = bytes[i]
            if byte == 0x0A || byte == 0x0D {
                if byte == 0x0A && lastWasCR && i == lineStart && pending.isEmpty {
                    // The LF of a CR LF pair split across reads or lines.
                    lastWasCR = false
                    i += 1
                    lineStart = i
                    continue
                }
                try takeLine(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<i]), onEvent: onEvent)
                lastWasCR = byte == 0x0D
                if byte == 0x0D, i + 1 < count, bytes[i + 1] == 0x0A { i += 1; lastWasCR = false }
                i += 1
                lineStart = i
            } else {
                lastWasCR = false
                i += 1
            }
        }
        if lineStart < count { pending.append(contentsOf: bytes[lineStart..<count]) }
    }

    /// End of body: an unterminated last event is delivered if it has data.
    public mutating func finish(onEvent: (SSEEvent) throws -> Void) rethrows {
        if !pending.isEmpty {
            var line: [UInt8] = []
            swap(&line, &pending)
            try line.withUnsafeBytes { try process($0, onEvent: onEvent) }
        }
        if hasData { try dispatch(onEvent) }
    }

    /// A line ended: the part kept from earlier reads, if any, comes first.
    private mutating func takeLine(_ tail: UnsafeRawBufferPointer, onEvent: (SSEEvent) throws -> Void) rethrows {
        if pending.isEmpty { return try process(tail, onEvent: onEvent) }
        var line: [UInt8] = []
        swap(&line, &pending)
        line.append(contentsOf: tail)
        try line.withUnsafeBytes { try process($0, onEvent: onEvent) }
        line.removeAll(keepingCapacity: true)
        swap(&line, &pending)
    }

    private mutating func process(_ line: UnsafeRawBufferPointer, onEvent: (SSEEvent) throws -> Void) rethrows {
        if line.isEmpty {
            if hasData { try dispatch(onEvent) } else { current.event = "" }
            return
        }
        if line[0] == UInt8(ascii: ":") { return }
        var field = line, value = UnsafeRawBufferPointer(start: nil, count: 0)
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = UnsafeRawBufferPointer(rebasing: line[..<colon])
            var valueStart = colon + 1
            if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
            value = UnsafeRawBufferPointer(rebasing: line[valueStart...])
        }
        if bytesEqual(field, "data") {
            if hasData { current.dataBytes.append(0x0A) }
            current.dataBytes.append(contentsOf: value)
            hasData = true
        } else if bytesEqual(field, "event") {
            current.event = String(decoding: value, as: UTF8.self)
        } else if !bytesEqual(field, "id") && !bytesEqual(field, "retry") && unframed.count < Self.unframedLimit {
            // Not SSE: EventSource ignores it, but a provider may write a bare JSON error
            // into a 200 stream this way (Gemini and Vertex abort a stream so).
            unframed.append(contentsOf: line.prefix(Self.unframedLimit - unframed.count))
            unframed.append(0x0A)
        }
    }

    /// Lines that were not SSE fields (nor comments), joined by LF, up to 1 MiB: what a
    /// decoder inspects for an error written outside the event framing.
    public private(set) var unframed: [UInt8] = []
    static let unframedLimit = 1 << 20

    private mutating func dispatch(_ onEvent: (SSEEvent) throws -> Void) rethrows {
        hasData = false
        defer {
            current.event = ""
            current.dataBytes.removeAll(keepingCapacity: true)
        }
        try onEvent(current)
    }
}
