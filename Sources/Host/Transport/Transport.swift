import HostMeasurement
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The host's one HTTP client (docs/architecture.md), built on SwiftNIO so that the clock sits at the
/// byte: a handler next to the socket stamps t0 just before the request bytes are flushed
/// to the connection and stamps every read as it comes off the socket, before any HTTP
/// parsing. (AsyncHTTPClient reports the send only after the write completed and body
/// parts only after decoding, which added up to ~1 ms of error in our measurements, and it
/// cannot check the address it actually connects to; see docs/measurement.md.)
///
/// HTTP/1.1 with keep-alive connections pooled per (scheme, host, port), TLS through
/// NIOSSL, connect / first-byte / idle / total timeouts, cancellation that closes the
/// connection, and an address policy (SSRF) applied to the resolved address it connects to.
///
/// Two drivers carry the connections, one wire format (HTTP1Request.swift, HTTP1ResponseParser.swift) and one response
/// reader between them: plain HTTP runs on socket loops of the transport's own
/// (SocketLoop.swift: one recvmsg per read, bytes and kernel stamp together), TLS on NIO.
public final class Transport: Sendable {
    /// What carries plain-HTTP connections.
    public enum PlainHTTPDriver: Sendable, CaseIterable {
        /// The transport's own socket loops (the default: a third of NIO's CPU per read).
        case socketLoop
        /// NIO channels, as TLS connections use.
        case nio
    }

    public struct Timeouts: Sendable {
        public var connect: TimeAmount = .seconds(10)
        /// From t0 to the response head.
        public var firstByte: TimeAmount = .seconds(120)
        /// Longest silence between two reads.
        public var idle: TimeAmount = .seconds(60)
        /// Whole exchange.
        public var total: TimeAmount = .seconds(900)
        public init() {}
    }

    /// What a response looks like as it arrives.
    public enum Event: Sendable {
        /// The request bytes were handed to the connection (t0).
        case sent(at: UInt64)
        case head(status: Int, headers: [(String, String)], at: UInt64)
        case body(ByteBuffer, at: UInt64)
        case end(at: UInt64)
    }

    public let timeouts: Timeouts
    let group: any EventLoopGroup
    /// A group of this transport's own, shut down with it (nil: the shared singleton).
    let ownGroup: MultiThreadedEventLoopGroup?
    let pool: ConnectionPool
    let addressPolicy: AddressPolicy
    /// Plain-HTTP connections, one set per socket loop (empty: plain HTTP goes through NIO).
    private let loops: [LoopConnections]
    private let nextLoop = Atomic<Int>(0)

    /// - Parameters:
    ///   - maxIdlePerHost: idle keep-alive connections kept per host.
    ///   - eventLoops: threads of an event loop group of its own, and as many socket loops;
    ///     nil shares the process's NIO group, with one socket loop.
    ///   - plainHTTP: what carries plain-HTTP connections.
    public init(timeouts: Timeouts = Timeouts(), maxIdlePerHost: Int = 64, addressPolicy: AddressPolicy = .allowAll,
                eventLoops: Int? = nil, plainHTTP: PlainHTTPDriver = .socketLoop) {
        self.timeouts = timeouts
        ownGroup = eventLoops.map { MultiThreadedEventLoopGroup(numberOfThreads: max(1, $0)) }
        self.group = ownGroup ?? MultiThreadedEventLoopGroup.singleton
        self.pool = ConnectionPool(maxIdlePerHost: maxIdlePerHost)
        self.addressPolicy = addressPolicy
        switch plainHTTP {
        case .socketLoop:
            loops = (0..<max(1, eventLoops ?? 1)).map { _ in
                LoopConnections(timeouts: timeouts, policy: addressPolicy, maxIdlePerHost: maxIdlePerHost)
            }
        case .nio:
            loops = []
        }
        ReceiveStamps.keepStampingOn()
    }

    deinit {
        for connections in loops { connections.loop.stopSoon() }
    }

    public func shutdown() async throws {
        for connections in loops { await connections.closeAll() }
        await pool.closeAll()
        try await ownGroup?.shutdownGracefully()
    }

    /// The socket loop to use from here: the current thread's, else the next in turn.
    private var socketLoop: LoopConnections? {
        guard !loops.isEmpty else { return nil }
        if loops.count > 1, let current = loops.first(where: { $0.loop.inLoop }) { return current }
        return loops[nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
    }

    /// CPUs this process may run on (its affinity mask; `taskset` narrows it), which
    /// NIO's core count does not look at.
    public static var usableCPUs: Int {
        // `Cpus_allowed:` in /proc/self/status is the affinity mask in hex (comma-grouped).
        let fd = open("/proc/self/status", O_RDONLY)
        guard fd >= 0 else { return System.coreCount }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return System.coreCount }
        let count = line.dropFirst("Cpus_allowed:".count).compactMap { $0.hexDigitValue }.reduce(0) { $0 + $1.nonzeroBitCount }
        return count > 0 ? min(count, System.coreCount) : System.coreCount
    }

    /// Runs `body` on one of the transport's event loops after `nanoseconds` (an open-loop
    /// load test's arrivals: a timer there is precise to microseconds, and a request sent
    /// from it needs no hop when its connection lives on that loop).
    public func schedule(in nanoseconds: UInt64, _ body: @escaping @Sendable () -> Void) {
        if let loop = socketLoop?.loop {
            let deadline = MonotonicClock.now() &+ min(nanoseconds, UInt64(Int64.max))
            loop.execute { loop.schedule(at: deadline, body) }
        } else {
            group.next().scheduleTask(in: .nanoseconds(Int64(min(nanoseconds, UInt64(Int64.max))))) { body() }
        }
    }

    /// Starts one exchange whose events go to `consumer` on the connection's event loop.
    /// Throws only for a URL it cannot use; every later failure goes to the consumer.
    @discardableResult
    public func start(method: String, url: String, headers: [(String, String)], body: [UInt8]?,
                      consumer: any ExchangeConsumer) throws(TransportError) -> Exchange {
        let target = try RequestTarget(url: url)
        let request = try HTTP1Request.bytes(method: method, target: target, headers: headers, body: body)
        let exchange = Exchange(consumer: consumer, startedAt: MonotonicClock.now())
        consumer.attach(exchange)
        if !target.tls, let connections = socketLoop {
            connections.start(exchange, target: target, request: request, method: method)
            return exchange
        }
        let timeouts = self.timeouts
        let pool = self.pool
        // A live idle connection is used at once; otherwise resolve, check and connect.
        if let idle = pool.takeIdle(target) {
            idle.start(exchange, request: request, method: method, timeouts: timeouts, pool: pool)
            return exchange
        }
        let group = self.group, policy = self.addressPolicy
        Task {
            do {
                let connection = try await pool.connect(target, group: group, timeouts: timeouts, policy: policy)
                connection.start(exchange, request: request, method: method, timeouts: timeouts, pool: pool)
            } catch {
                exchange.fail(error as? TransportError ?? TransportError(.network, "\(error)"))
            }
        }
        return exchange
    }

    /// Starts one exchange and delivers its events on a stream, which finishes after
    /// `.end` or throws a TransportError. Dropping the stream aborts the request.
    public func exchange(method: String, url: String, headers: [(String, String)], body: [UInt8]?)
        throws(TransportError) -> (startedAt: UInt64, events: AsyncThrowingStream<Event, any Error>)
    {
        let (stream, continuation) = AsyncThrowingStream<Event, any Error>.makeStream(bufferingPolicy: .unbounded)
        let exchange = try start(method: method, url: url, headers: headers, body: body,
                                 consumer: StreamingConsumer(continuation: continuation))
        return (exchange.startedAt, stream)
    }
}
