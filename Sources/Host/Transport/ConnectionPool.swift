import HostMeasurement
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The NIO driver's keep-alive HTTP/1.1 connections (TLS, and plain HTTP when asked for),
/// idle ones kept per (scheme, host, port).
final class ConnectionPool: Sendable {
    private let idle = Mutex<[RequestTarget: [PooledConnection]]>([:])
    private let maxIdlePerHost: Int
    private let tls: NIOSSLContext?

    init(maxIdlePerHost: Int) {
        self.maxIdlePerHost = maxIdlePerHost
        self.tls = try? NIOSSLContext(configuration: .makeClientConfiguration())
    }

    /// A live idle connection to `target`, if there is one. (A connection whose peer has
    /// closed is closed here: NIO reports the FIN only after the read that made the
    /// connection idle, and a request sent from that read's handler would meet it.)
    func takeIdle(_ target: RequestTarget) -> PooledConnection? {
        while let reused = idle.withLock({ $0[target]?.popLast() }) {
            if reused.channel.isActive && ReceiveStamps.peerStillOpen(reused.descriptor) { return reused }
            reused.channel.close(promise: nil)
        }
        return nil
    }

    /// A new connection to `target`. The resolved address is checked against `policy`
    /// before connecting: the check applies to the address actually used.
    func connect(_ target: RequestTarget, group: any EventLoopGroup, timeouts: Transport.Timeouts,
                 policy: AddressPolicy) async throws -> PooledConnection {
        let address = try await NameResolver.address(target.host, port: target.port)
        if let reason = policy.refusal(for: address) {
            throw TransportError(.refusedAddress, "refused to connect to \(target.host) (\(address.ipAddress ?? "?")): \(reason)")
        }
        let clock = ConnectionClock()
        let exchangeHandler = ExchangeHandler(clock: clock)
        let tls = target.tls ? self.tls : nil
        if target.tls && tls == nil { throw TransportError(.network, "TLS is unavailable on this host") }
        let sniHost: String? = Self.isIPLiteral(target.host) ? nil : target.host
        let described = "\(target.host):\(target.port)"
        let descriptor = try await ReceiveStamps.connect(to: address, timeout: timeouts.connect, describe: described)
        let probe = ReceiveProbe(descriptor: descriptor)
        clock.probe = probe
        let bootstrap = ClientBootstrap(group: group)  // Nagle is off on the socket already
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try probe.install(on: channel)
                    let sync = channel.pipeline.syncOperations
                    if let tls { try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: sniHost)) }
                    try sync.addHandler(ByteStampHandler(clock: clock))
                    try sync.addHandler(exchangeHandler)
                }
            }
        let channel: any Channel
        do {
            // NIO owns the descriptor from here, and closes it on failure too.
            channel = try await bootstrap.withConnectedSocket(descriptor).get()
        } catch {
            throw TransportError(.network, "cannot connect to \(described): \(error)")
        }
        return PooledConnection(target: target, channel: channel, handler: exchangeHandler, descriptor: descriptor)
    }

    /// Returns a connection whose response ended with keep-alive.
    func release(_ connection: PooledConnection) {
        let kept = idle.withLock { idle -> Bool in
            var list = idle[connection.target, default: []]
            guard list.count < maxIdlePerHost else { return false }
            list.append(connection)
            idle[connection.target] = list
            return true
        }
        if !kept { connection.channel.close(promise: nil) }
    }

    func closeAll() async {
        let all = idle.withLock { idle in
            defer { idle.removeAll() }
            return idle.values.flatMap { $0 }
        }
        for connection in all { try? await connection.channel.close() }
    }

    static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
