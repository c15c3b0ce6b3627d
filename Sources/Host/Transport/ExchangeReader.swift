/// A connection's current exchange, fed the connection's reads: what each read held goes to
/// the exchange with the read's arrival stamp. The one response reader of both drivers
/// (the socket loop's connections and the NIO channel's handler).
struct ExchangeReader {
    enum Outcome {
        case more
        /// The response ended; `reusable`: the connection may carry another request.
        case ended(reusable: Bool)
        case failed(TransportError)
    }

    private var parser = HTTP1ResponseParser()

    mutating func expectResponse(toMethod method: String) { parser.expectResponse(toMethod: method) }

    var isAwaitingHead: Bool { parser.isAwaitingHead }

    mutating func read(_ bytes: UnsafeMutableRawBufferPointer, at: UInt64, into exchange: Exchange) -> Outcome {
        let parts: HTTP1ResponseParser.Parts
        do {
            parts = try parser.parse(bytes)
        } catch {
            return .failed(error)
        }
        if let head = parts.head { exchange.head(status: head.status, headers: head.headers, at: at) }
        if !parts.body.isEmpty { exchange.body(UnsafeRawBufferPointer(rebasing: bytes[parts.body]), at: at) }
        guard parts.ended else { return .more }
        return .ended(reusable: parser.keepAlive && parts.trailing == 0 && !exchange.isFinished)
    }

    /// The connection reached end of file.
    mutating func closed() -> Outcome {
        do {
            return try parser.closed() ? .ended(reusable: false) : .more
        } catch {
            return .failed(error)
        }
    }
}
