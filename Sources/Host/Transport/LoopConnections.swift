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
