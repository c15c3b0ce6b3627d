import AsyncHTTPClient
import HostMeasurement
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The host's one HTTP client (DESIGN §4). Providers never do I/O: the transport sends
/// what a plugin built and timestamps, on the monotonic clock and at the byte, the moment
/// the request head is handed to the connection (t0), the response head, and every body
/// read. The wait before t0 (pool, connect) is reported apart as queue time.
public final class Transport: Sendable {
    public struct Timeouts: Sendable {
        public var connect: TimeAmount = .seconds(10)
        /// From t0 to the response head.
        public var firstByte: TimeAmount = .seconds(120)
        /// Longest silence between two body reads.
        public var idle: TimeAmount = .seconds(60)
        /// Whole exchange.
        public var total: TimeAmount = .seconds(900)
        public init() {}
    }

    let client: HTTPClient
    public let timeouts: Timeouts

    /// - Parameter maxConnectionsPerHost: pool size per host; load mode sizes it to its
    ///   concurrency so the client never queues silently.
    public init(timeouts: Timeouts = Timeouts(), maxConnectionsPerHost: Int = 64) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: timeouts.connect, read: timeouts.idle)
        configuration.redirectConfiguration = .disallow  // redirects would dodge the SSRF check and distort timing
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeouts = timeouts
    }

    public func shutdown() async throws { try await client.shutdown() }

    /// What a response looks like as it arrives.
    public enum Event: Sendable {
        /// The request head went to the connection (t0).
        case sent(at: UInt64)
        case head(status: Int, headers: [(String, String)], at: UInt64)
        case body(ByteBuffer, at: UInt64)
        case end(at: UInt64)
    }

    /// Starts one exchange. Events arrive in order on the returned stream; it finishes
    /// after `.end` or throws the transport error. Cancelling the consuming task, or
    /// dropping the stream, aborts the request.
    public func exchange(method: String, url: String, headers: [(String, String)], body: [UInt8]?)
        throws -> (startedAt: UInt64, events: AsyncThrowingStream<Event, any Error>)
    {
        var request = try HTTPClient.Request(url: url, method: HTTPMethod(rawValue: method))
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }

        let (stream, continuation) = AsyncThrowingStream<Event, any Error>.makeStream(bufferingPolicy: .unbounded)
        let delegate = TimingDelegate(continuation: continuation)
        let startedAt = MonotonicClock.now()
        let task = client.execute(request: request, delegate: delegate, eventLoop: .indifferent,
                                  deadline: .now() + timeouts.total, logger: nil)
        let firstByte = timeouts.firstByte
        // First-byte watchdog: the client's read timeout covers silence between reads;
        // the wait for the head gets its own limit.
        let watchdog = task.eventLoop.scheduleTask(in: firstByte) {
            if !delegate.sawHead.load(ordering: .acquiring) {
                delegate.timedOut.store(true, ordering: .releasing)
                task.cancel()
            }
        }
        continuation.onTermination = { termination in
            watchdog.cancel()
            if case .cancelled = termination { task.cancel() }
        }
        return (startedAt, stream)
    }
}

/// Stamps each step of an exchange as AsyncHTTPClient reports it, on its event loop, and
/// forwards bytes and times to the consumer. Decoding happens in the consumer's task, so
/// plugin work never delays the stamping of another connection's reads.
final class TimingDelegate: HTTPClientResponseDelegate {
    typealias Response = Void
    private let continuation: AsyncThrowingStream<Transport.Event, any Error>.Continuation
    // Read by the watchdog, which may run on another event loop than the connection.
    let sawHead = Atomic<Bool>(false)
    let timedOut = Atomic<Bool>(false)

    init(continuation: AsyncThrowingStream<Transport.Event, any Error>.Continuation) {
        self.continuation = continuation
    }

    func didSendRequestHead(task: HTTPClient.Task<Void>, _ head: HTTPRequestHead) {
        continuation.yield(.sent(at: MonotonicClock.now()))
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let at = MonotonicClock.now()
        sawHead.store(true, ordering: .releasing)
        continuation.yield(.head(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, at: at))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        continuation.yield(.body(buffer, at: MonotonicClock.now()))
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        continuation.finish(throwing: timedOut.load(ordering: .acquiring) ? TransportTimeout(phase: "first byte") : error)
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        continuation.yield(.end(at: MonotonicClock.now()))
        continuation.finish()
    }
}

/// A timeout detected by the transport itself (the first-byte watchdog).
public struct TransportTimeout: Error, CustomStringConvertible {
    public let phase: String
    public var description: String { "no response within the \(phase) timeout" }
}
