// A Server-Sent Events line splitter for stream decoders (WHATWG EventSource rules):
// lines end in LF, CR LF or CR; a blank line ends an event; lines starting with ':' are
// comments (keep-alives); "data:" lines of one event are joined with LF. Bytes are kept
// until a whole line has arrived, so a read that stops inside a UTF-8 character or a
// JSON value is never decoded early.

public struct SSEEvent: Sendable, Equatable {
    public var event: String = ""
    public var data: String = ""
}

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
            let line = pending
            pending.removeAll()
            try line.withUnsafeBytes { try takeLine($0, onEvent: onEvent, fromPending: true) }
        }
        if hasData { try dispatch(onEvent) }
    }

    private mutating func takeLine(_ tail: UnsafeRawBufferPointer, onEvent: (SSEEvent) throws -> Void,
                                   fromPending: Bool = false) rethrows {
        let line: String
        if pending.isEmpty || fromPending {
            line = String(decoding: tail, as: UTF8.self)
        } else {
            pending.append(contentsOf: tail)
            line = String(decoding: pending, as: UTF8.self)
            pending.removeAll(keepingCapacity: true)
        }
        if line.isEmpty {
            if hasData { try dispatch(onEvent) } else { current = SSEEvent() }
            return
        }
        if line.hasPrefix(":") { return }
        var field = Substring(line)
        var value = Substring("")
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        }
        switch field {
        case "data":
            if hasData { current.data += "\n" }
            current.data += value
            hasData = true
        case "event":
            current.event = String(value)
        default:
            break  // id, retry and unknown fields do not matter to a decoder
        }
    }

    private mutating func dispatch(_ onEvent: (SSEEvent) throws -> Void) rethrows {
        let event = current
        current = SSEEvent()
        hasData = false
        try onEvent(event)
    }
}
