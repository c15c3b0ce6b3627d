import HostPlugins
import Hummingbird
import Logging
import NIOCore

/// A simulator running inside this process on a loopback port: what `studio bench` and
/// `studio serve` start when the configuration names the simulator, and what tests use.
public final class EmbeddedSimulator: Sendable {
    public let host: String
    public let port: Int
    public let log: GroundTruthLog
    private let task: Task<Void, any Error>

    public var baseURL: String { "http://\(host):\(port)" }

    private init(host: String, port: Int, log: GroundTruthLog, task: Task<Void, any Error>) {
        self.host = host
        self.port = port
        self.log = log
        self.task = task
    }

    /// Starts listening (port 0 picks a free port) and returns once the socket is bound.
    /// `keeping`: how many requests' ground truth to keep at least.
    /// `captures`: recorded responses served for `replay-<id>` models.
    public static func start(host: String = "127.0.0.1", port: Int = 0, listing models: [String] = [],
                             keeping capacity: Int = 20_000, captures: CaptureLibrary = CaptureLibrary()) async throws -> EmbeddedSimulator {
        let log = GroundTruthLog(capacity: capacity)
        let router = Router()
        SimulatorServer(log: log, listing: models, captures: captures).addRoutes(to: router)
        var logger = Logger(label: "studio.simulator")
        // Stopping cuts in-flight streams by cancellation, which the server reports as
        // errors; for a built-in test double that is noise on the user's terminal.
        logger.logLevel = .critical
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            server: SimulatorServer.httpServer(log: log),
            // A load test opens hundreds of connections at once; the default queue of 256
            // pending ones would drop the rest's handshakes (and their requests would wait
            // for TCP's retransmissions, hundreds of ms).
            configuration: .init(address: .hostname(host, port: port), serverName: "studio-simulator", backlog: 4096),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = stream.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            task.cancel()
            throw SimulatorStartError(message: "simulator did not start on \(host):\(port)")
        }
        return EmbeddedSimulator(host: host, port: bound, log: log, task: task)
    }

    /// Stops the server (in-flight streams are cut).
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Serves until the task is cancelled (for `studio simulate`).
    public func wait() async throws { try await task.value }
}

public struct SimulatorStartError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
