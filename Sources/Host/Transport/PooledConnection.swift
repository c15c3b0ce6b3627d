import NIOCore

/// One pooled connection and its exchange handler.
final class PooledConnection: Sendable {
    let target: RequestTarget
    let channel: any Channel
    let handler: ExchangeHandler
    /// The socket under the channel (NIO owns it; only peeked at, while the channel is active).
    let descriptor: CInt

    init(target: RequestTarget, channel: any Channel, handler: ExchangeHandler, descriptor: CInt) {
        self.target = target
        self.channel = channel
        self.handler = handler
        self.descriptor = descriptor
    }

    /// Sends the request on the connection's event loop: at once when called there (a
    /// consumer that sends its next request as the last one ends), else as a task on it.
    func start(_ exchange: Exchange, request: [UInt8], method: String, timeouts: Transport.Timeouts, pool: ConnectionPool) {
        if channel.eventLoop.inEventLoop {
            send(exchange, request: request, method: method, timeouts: timeouts, pool: pool)
        } else {
            channel.eventLoop.execute { self.send(exchange, request: request, method: method, timeouts: timeouts, pool: pool) }
        }
    }

    private func send(_ exchange: Exchange, request: [UInt8], method: String, timeouts: Transport.Timeouts, pool: ConnectionPool) {
        let channel = self.channel
        let aborted = exchange.attach {
            channel.eventLoop.execute {
                exchange.fail(TransportError(.cancelled, "cancelled"))
                channel.close(promise: nil)
            }
        }
        guard aborted else { channel.close(promise: nil); return }
        handler.begin(exchange, method: method, timeouts: timeouts, context: channel) { reusable in
            if reusable { pool.release(self) } else { channel.close(promise: nil) }
        }
        // ByteStampHandler stamps t0 inside this flush, just before the socket write.
        channel.writeAndFlush(channel.allocator.buffer(bytes: request), promise: nil)
    }
}
