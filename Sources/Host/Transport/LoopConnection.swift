import HostMeasurement
import NIOCore

#if canImport(Glibc)
import Glibc
import LinuxEvents
#endif

/// One plain-HTTP connection on a socket loop.
final class LoopConnection: LoopSocket, @unchecked Sendable {
    private enum Phase { case connecting, idle, busy, closed }

    let target: RequestTarget
    private let pool: LoopConnections
    private let descriptor: CInt
    private let described: String
    private var phase = Phase.connecting
    /// Where this connection sits in its pool's busy list.
    var busyIndex: Int?

    private var reader = ExchangeReader()
    private var exchange: Exchange?
    /// While connecting: the first exchange, sent once connected.
    private var waiting: (exchange: Exchange, request: [UInt8], method: String)?
    /// Request bytes the socket has not taken yet.
    private var unsent: [UInt8] = []
    private var unsentOffset = 0
    private var watchingWrites = true

    private var connectDeadline: UInt64 = 0
    private var firstByteDeadline: UInt64 = 0
    private var totalDeadline: UInt64 = 0
    private var lastActivity: UInt64 = 0

    init(pool: LoopConnections, target: RequestTarget, descriptor: CInt, described: String) {
        self.pool = pool
        self.target = target
        self.descriptor = descriptor
        self.described = described
    }

    func awaitConnect(_ exchange: Exchange, request: [UInt8], method: String, deadline: UInt64) {
        waiting = (exchange, request, method)
        connectDeadline = deadline
    }

    func peerStillOpen() -> Bool { ReceiveStamps.peerStillOpen(descriptor) }

    /// Writes the request (t0 is stamped right before the socket takes its first byte).
    func send(_ exchange: Exchange, request: [UInt8], method: String) {
        let loop = pool.loop
        guard exchange.attach(abort: { loop.enqueue { self.abort(exchange) } }) else {
            // Cancelled before it reached the connection, which is still clean.
            return pool.release(self)
        }
        self.exchange = exchange
        phase = .busy
        reader.expectResponse(toMethod: method)
        pool.track(self)
        let timeouts = pool.timeouts
        let t0 = MonotonicClock.now()
        firstByteDeadline = t0 &+ UInt64(max(0, timeouts.firstByte.nanoseconds))
        totalDeadline = exchange.startedAt &+ UInt64(max(0, timeouts.total.nanoseconds))
        lastActivity = t0
        unsent = request
        unsentOffset = 0
        flush()
        exchange.sent(at: t0)
    }

    /// Writes what the socket will take; waits for EPOLLOUT for the rest.
    private func flush() {
        while unsentOffset < unsent.count {
            let written = unsent.withUnsafeBytes { bytes in
                Glibc.send(descriptor, bytes.baseAddress! + unsentOffset, bytes.count - unsentOffset, CInt(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if written > 0 {
                unsentOffset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                watchWrites(true)
                return
            } else {
                return fail(TransportError(.network, "connection error: \(String(cString: strerror(errno)))"))
            }
        }
        unsent = []
        unsentOffset = 0
        watchWrites(false)
    }

    private func watchWrites(_ on: Bool) {
        guard on != watchingWrites else { return }
        watchingWrites = on
        pool.loop.modify(descriptor, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue | (on ? EPOLLOUT.rawValue : 0))
    }

    // MARK: LoopSocket

    func ready(_ events: UInt32) {
        if phase == .connecting {
            guard events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            return connected()
        }
        if events & EPOLLOUT.rawValue != 0, unsentOffset < unsent.count { flush() }
        let closing = events & (EPOLLRDHUP.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
        if closing || events & EPOLLIN.rawValue != 0 { readable(untilEndOfFile: closing) }
    }

    func loopStopped() {
        shutDown()
    }

    private func connected() {
        guard let waiting else { return close() }
        if let error = ReceiveStamps.connectError(descriptor, describe: described) { return fail(error) }
        self.waiting = nil
        phase = .idle
        pool.connectEnded(target)
        watchingWrites = true
        send(waiting.exchange, request: waiting.request, method: waiting.method)
    }

    /// Reads until the socket is drained (edge-triggered: a read shorter than the buffer
    /// emptied it), handing each read to the exchange with its arrival stamp. When the peer
    /// closed, reads on to the end of file: bytes and the FIN can come in one edge, and no
    /// other edge would follow.
    private func readable(untilEndOfFile: Bool) {
        let loop = pool.loop
        while phase == .busy || phase == .idle {
            let (count, at) = loop.receive(descriptor)
            if count > 0 {
                guard phase == .busy, let exchange else { return close() }  // bytes nobody asked for
                lastActivity = at
                let bytes = UnsafeMutableRawBufferPointer(rebasing: loop.readBuffer[0..<count])
                switch reader.read(bytes, at: at, into: exchange) {
                case .more: break
                case .ended(let reusable): finish(exchange, reusable: reusable, at: at)
                case .failed(let error): fail(error)
                }
                if count < loop.readBuffer.count && !untilEndOfFile { return }
            } else if count == 0 {
                guard phase == .busy, let exchange else { return close() }  // an idle connection the server closed
                switch reader.closed() {
                case .ended: finish(exchange, reusable: false, at: MonotonicClock.now())
                case .failed(let error): fail(error)
                case .more: close()
                }
                return
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                return
            } else {
                if phase == .busy { return fail(TransportError(.network, "connection error: \(String(cString: strerror(errno)))")) }
                return close()
            }
        }
    }

    /// The response ended: the connection goes back to the pool first, so a consumer that
    /// sends its next request right away finds it idle.
    private func finish(_ exchange: Exchange, reusable: Bool, at: UInt64) {
        self.exchange = nil
        if reusable {
            phase = .idle
            pool.release(self)
        } else {
            close()
        }
        exchange.end(at: at)
    }

    private func fail(_ error: TransportError) {
        let exchange = self.exchange ?? waiting?.exchange
        close()
        exchange?.fail(error)
    }

    /// Cancelled from any thread, run on the loop: only if this exchange is still the one here.
    private func abort(_ exchange: Exchange) {
        guard self.exchange === exchange else { return }
        fail(TransportError(.cancelled, "cancelled"))
    }

    func checkTimeouts(now: UInt64) {
        switch phase {
        case .connecting:
            if now >= connectDeadline { fail(TransportError(.timeout, "connect to \(described) timed out")) }
        case .busy:
            let timeouts = pool.timeouts
            if reader.isAwaitingHead {
                if now >= firstByteDeadline { return timeout("first byte") }
            } else if now >= lastActivity &+ UInt64(max(0, timeouts.idle.nanoseconds)) {
                return timeout("idle")
            }
            if now >= totalDeadline { timeout("total") }
        case .idle, .closed:
            break
        }
    }

    private func timeout(_ phase: String) {
        fail(TransportError(.timeout, "no data within the \(phase) timeout"))
    }

    /// The transport is shutting down.
    func shutDown() {
        if phase == .closed { return }
        fail(TransportError(.network, "the transport was shut down"))
    }

    func close() {
        guard phase != .closed else { return }
        let wasConnecting = phase == .connecting
        phase = .closed
        exchange = nil
        waiting = nil
        pool.forget(self)
        pool.loop.close(descriptor)
        if wasConnecting { pool.connectEnded(target) }
    }
}
