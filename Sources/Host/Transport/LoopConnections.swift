import HostMeasurement
import NIOCore

#if canImport(Glibc)
import Glibc
import LinuxEvents
#endif

/// The plain-HTTP connections of one socket loop: keep-alive connections kept idle per
/// target, new ones connected without blocking (at most `connectsPerTarget` handshakes at a
/// time: a load test starting 512 streams at once would overflow a server's queue of
/// pending connections, and the dropped handshakes would wait for TCP's retransmissions),
/// the address policy applied to the address actually connected to, and the connect /
/// first-byte / idle / total timeouts checked by one sweep (a timer per request would cost
/// heap work on every request). Everything but `start` runs on the loop's thread.
final class LoopConnections: @unchecked Sendable {
    let loop: SocketLoop
    let timeouts: Transport.Timeouts
    private let policy: AddressPolicy
    private let maxIdlePerHost: Int

    static let connectsPerTarget = 64

    // Confined to the loop.
    private var idle: [RequestTarget: [LoopConnection]] = [:]
    /// Handshakes in progress per target (name resolution included).
    private var connecting: [RequestTarget: Int] = [:]
    /// Exchanges waiting for a handshake slot or a connection to come free, oldest first.
    private var waiting: [RequestTarget: [(exchange: Exchange, request: [UInt8], method: String)]] = [:]
    /// Connecting or carrying an exchange: what the sweep checks.
    private var busy: [LoopConnection] = []
    private var sweeping = false
    /// How often the sweep runs: a tenth of the shortest timeout, 1 ms to 100 ms.
    private let sweepInterval: UInt64

    init(timeouts: Transport.Timeouts, policy: AddressPolicy, maxIdlePerHost: Int) {
        loop = SocketLoop()
        self.timeouts = timeouts
        self.policy = policy
        self.maxIdlePerHost = maxIdlePerHost
        let shortest = [timeouts.connect, timeouts.firstByte, timeouts.idle, timeouts.total].map(\.nanoseconds).min() ?? 0
        sweepInterval = UInt64(min(100_000_000, max(1_000_000, shortest / 10)))
    }

    /// Sends one exchange's request: on a live idle connection to its target, else on a new
    /// one. From any thread; the work happens on the loop (at once when called there).
    func start(_ exchange: Exchange, target: RequestTarget, request: [UInt8], method: String) {
        loop.execute { [self] in
            if let connection = takeIdle(target) {
                connection.send(exchange, request: request, method: method)
            } else if connecting[target, default: 0] < Self.connectsPerTarget {
                beginConnect(target: target, exchange: exchange, request: request, method: method)
            } else {
                waiting[target, default: []].append((exchange, request, method))
            }
        }
    }

    /// Takes a handshake slot and resolves, checks and connects.
    private func beginConnect(target: RequestTarget, exchange: Exchange, request: [UInt8], method: String) {
        connecting[target, default: 0] += 1
        if let literal = try? SocketAddress(ipAddress: target.host, port: target.port) {
            return connect(literal, target: target, exchange: exchange, request: request, method: method)
        }
        Task {
            do throws(TransportError) {
                let address = try await NameResolver.address(target.host, port: target.port)
                loop.execute { [self] in connect(address, target: target, exchange: exchange, request: request, method: method) }
            } catch {
                exchange.fail(error)
                loop.execute { [self] in connectEnded(target) }
            }
        }
    }

    /// A handshake finished (either way): its slot goes to the oldest waiting exchange.
    func connectEnded(_ target: RequestTarget) {
        connecting[target, default: 1] -= 1
        if connecting[target, default: 0] < Self.connectsPerTarget, let next = nextWaiting(target) {
            beginConnect(target: target, exchange: next.exchange, request: next.request, method: next.method)
        }
    }

    /// The oldest waiting exchange still wanted (cancelled ones are dropped).
    private func nextWaiting(_ target: RequestTarget) -> (exchange: Exchange, request: [UInt8], method: String)? {
        while var list = waiting[target], !list.isEmpty {
            let next = list.removeFirst()
            waiting[target] = list.isEmpty ? nil : list
            if !next.exchange.isFinished { return next }
        }
        return nil
    }

    /// A live idle connection to `target`. The loop closes an idle connection when it sees
    /// the peer's FIN, but a FIN that arrived while the loop was busy (say, just after the
    /// response that made the connection idle, whose handler is sending the next request)
    /// is only in the socket yet: a peek finds it, for one syscall per reuse.
    private func takeIdle(_ target: RequestTarget) -> LoopConnection? {
        while let connection = idle[target]?.popLast() {
            if connection.peerStillOpen() { return connection }
            connection.close()
        }
        return nil
    }

    private func connect(_ address: SocketAddress, target: RequestTarget, exchange: Exchange, request: [UInt8], method: String) {
        // Until a LoopConnection exists, a failure here gives the slot back itself.
        if exchange.isFinished { return connectEnded(target) }  // cancelled while its name was resolved
        if let reason = policy.refusal(for: address) {
            exchange.fail(TransportError(.refusedAddress, "refused to connect to \(target.host) (\(address.ipAddress ?? "?")): \(reason)"))
            return connectEnded(target)
        }
        let described = "\(target.host):\(target.port)"
        let descriptor: CInt
        do {
            descriptor = try ReceiveStamps.startConnect(to: address, describe: described)
        } catch {
            exchange.fail(error)
            return connectEnded(target)
        }
        let connection = LoopConnection(pool: self, target: target, descriptor: descriptor, described: described)
        connection.awaitConnect(exchange, request: request, method: method,
                                deadline: MonotonicClock.now() + UInt64(max(0, timeouts.connect.nanoseconds)))
        guard loop.register(descriptor, connection, events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue) else {
            _ = Glibc.close(descriptor)
            exchange.fail(TransportError(.network, "cannot watch the connection to \(described)"))
            return connectEnded(target)
        }
        track(connection)
    }

    // MARK: Bookkeeping (on the loop)

    /// A connection whose response ended with keep-alive: to the oldest exchange waiting
    /// for one, else idle.
    func release(_ connection: LoopConnection) {
        untrack(connection)
        if let next = nextWaiting(connection.target) {
            return connection.send(next.exchange, request: next.request, method: next.method)
        }
        var list = idle[connection.target, default: []]
        guard list.count < maxIdlePerHost else { return connection.close() }
        list.append(connection)
        idle[connection.target] = list
    }

    /// A connection now busy: the sweep watches its timeouts.
    func track(_ connection: LoopConnection) {
        guard connection.busyIndex == nil else { return }
        connection.busyIndex = busy.count
        busy.append(connection)
        if !sweeping {
            sweeping = true
            loop.schedule(at: MonotonicClock.now() + sweepInterval) { [self] in sweep() }
        }
    }

    func untrack(_ connection: LoopConnection) {
        guard let index = connection.busyIndex else { return }
        let last = busy.removeLast()
        if index < busy.count {
            busy[index] = last
            last.busyIndex = index
        }
        connection.busyIndex = nil
    }

    /// A connection that closed.
    func forget(_ connection: LoopConnection) {
        untrack(connection)
        if var list = idle[connection.target], let index = list.firstIndex(where: { $0 === connection }) {
            list.remove(at: index)
            idle[connection.target] = list
        }
    }

    private func sweep() {
        let now = MonotonicClock.now()
        for connection in busy { connection.checkTimeouts(now: now) }
        if busy.isEmpty {
            sweeping = false
        } else {
            loop.schedule(at: now + sweepInterval) { [self] in sweep() }
        }
    }

    /// Closes every connection (the transport is shutting down); in-flight exchanges fail.
    func closeAll() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.enqueue { [self] in
                for connection in busy + idle.values.flatMap({ $0 }) { connection.shutDown() }
                idle.removeAll()
                done.resume()
            }
        }
        await loop.stop()
    }
}

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
