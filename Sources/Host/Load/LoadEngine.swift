import HostMeasurement
import HostProviderCalls
import HostTransport
import StudioJSON
import Synchronization

/// Runs load levels against one target through the measuring transport (the clock at the
/// byte, as for benchmarks). Closed loop: N streams, each sending its next request when
/// its previous one ends. Open loop: requests started on an arrival schedule whatever is
/// in flight. Every request is counted once: a warm-up request is discarded, a measured
/// one lands in the level's histograms or its error counts.
public struct LoadEngine: Sendable {
    public let endpoint: ProviderEndpoint
    public let model: String
    /// A transport whose connection pool keeps as many idle connections as the largest
    /// level has streams (see `transport(for:)`).
    public let transport: Transport

    public init(endpoint: ProviderEndpoint, model: String, transport: Transport) {
        self.endpoint = endpoint
        self.model = model
        self.transport = transport
    }

    /// A transport sized for the plan: idle connections kept up to its largest
    /// concurrency (open-loop levels: up to rate × 2 s), under `policy`.
    public static func transport(for plan: LoadPlan, policy: AddressPolicy = .allowAll) -> Transport {
        let streams = plan.levels.map { level -> Int in
            switch level {
            case .concurrency(let n): return n
            case .rate(let r): return Saturating.int(min(4096, r * 2))
            }
        }.max() ?? 64
        // One event loop per CPU this process may use: NIO's shared group counts every
        // CPU of the machine, and extra loops on a pinned CPU only add context switches.
        return Transport(maxIdlePerHost: max(64, streams), addressPolicy: policy, eventLoops: Transport.usableCPUs)
    }

    /// Progress of a level: measured requests done, and the total when count-bound.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int?) async -> Void

    /// Runs one level; with `log`, each measured request is also kept there (the
    /// per-request export).
    public func run(_ level: LoadPlan.Level, plan: LoadPlan, log: RequestLog? = nil,
                    progress: @escaping Progress = { _, _ in }) async -> LevelReport {
        let request: JSONValue = ["model": .string(model), "stream": true,
                                  "messages": [["role": "user", "content": .string(plan.prompt)]],
                                  "params": ["max_tokens": .int(Int64(plan.maxTokens))]]
        // Prepared once for the level (credentials made ready, the body built, signed).
        let prepared = await ProviderCall.prepare(request, to: endpoint, transport: transport)
        let run = LevelRun(prepared: prepared, transport: transport, plan: plan, level: level,
                           warmup: plan.warmupCount(for: level), log: log, progress: progress)
        let cpuBefore = ProcessCPU.seconds()
        switch level {
        case .concurrency(let streams):
            await run.closedLoop(streams: streams)
        case .rate(let rate):
            await run.openLoop(ArrivalProcess(rate: rate, poisson: plan.poisson, seed: plan.seed), duration: plan.durationSeconds)
        }
        return LevelReport(level: level, plan: plan, warmup: run.warmup, accumulated: run.state.withLock { $0 },
                           cpuSeconds: ProcessCPU.seconds() - cpuBefore)
    }
}
