import CoreMetrics
import HostAuth
import HostBenchmark
import HostConfig
import HostMeasurement
import HostParams
import HostPlugins
import HostProviderCalls
import HostStorage
import HostTransport
import StudioJSON

/// Runs a benchmark job: resolves the user's targets with their keys, runs the plan
/// through the one BenchmarkRunner, writes each run's result as it arrives (a crash loses
/// at most the runs in flight), and stores the aggregates at the end.
public struct BenchmarkJobExecutor: JobExecutor {
    public let kind = JobKind.benchmark
    let configuration: UserConfiguration
    let runs: RunStore
    let jobs: JobStore
    /// The plugins as of now (a rescan may replace them between jobs).
    let plugins: @Sendable () -> PluginRegistry
    let transport: Transport
    let simulatorURL: String?

    public init(configuration: UserConfiguration, runs: RunStore, jobs: JobStore, plugins: @escaping @Sendable () -> PluginRegistry,
                transport: Transport, simulatorURL: String?) {
        self.configuration = configuration
        self.runs = runs
        self.jobs = jobs
        self.plugins = plugins
        self.transport = transport
        self.simulatorURL = simulatorURL
    }

    public func run(_ job: JobRecord, events: JobEventWriter) async throws {
        let request = BenchmarkRequest(json: try JSONParser.parse(job.request))
        let resolved = try await configuration.targets(userID: job.userID, request: request, registry: plugins(),
                                                       simulatorURL: simulatorURL, events: events)
        let plan = request.plan(targets: resolved.targets)

        let run = try await runs.createRun(userID: job.userID, jobID: job.id, request: job.request, scheduleID: job.scheduleID)
        try await jobs.setResult(jobID: job.id, kind: "benchmark_run", id: run.id)
        try await events.emit("progress", ["run_id": .string(run.id), "done": 0,
                                           "total": .int(Int64(plan.targets.count * plan.contextTiers.count * plan.runs)),
                                           "notes": .array(resolved.notes.map(JSONValue.string))])
        let recorder = Recorder(runID: run.id, userID: job.userID, runs: runs, events: events, origin: .now())
        await BenchmarkRunner(transport: transport).execute(plan) { event in await recorder.record(event) }
        if let error = await recorder.storageError { throw error }
    }

    /// Stores and publishes the runner's events one at a time, in arrival order.
    actor Recorder {
        let runID: String
        let userID: String
        let runs: RunStore
        let events: JobEventWriter
        /// Where the per-request export counts this run's times from.
        let origin: RequestTiming.Origin
        var storageError: (any Error)?

        init(runID: String, userID: String, runs: RunStore, events: JobEventWriter, origin: RequestTiming.Origin) {
            self.runID = runID
            self.userID = userID
            self.runs = runs
            self.events = events
            self.origin = origin
        }

        func record(_ event: BenchmarkEvent) async {
            do {
                switch event {
                case .result(let result):
                    try await runs.addResult(userID: userID, BenchmarkResultRecord(result, runID: runID))
                    try await runs.addRequestTimings(userID: userID, runID: runID, [RequestTiming(result, origin: origin)])
                    Counter(label: "studio_benchmark_runs_total",
                            dimensions: [("outcome", result.failure?.errorClass.description ?? "ok")]).increment()
                    var json = result.json.objectValue ?? [:]
                    json["run_id"] = .string(runID)
                    try await events.emit("result", .object(json))
                case .progress(let done, let total, let target, let tier, let run):
                    try await events.emit("progress", ["run_id": .string(runID), "done": .int(Int64(done)), "total": .int(Int64(total)),
                                                       "target": .string(target), "context_tier": .int(Int64(tier)), "run": .int(Int64(run))])
                case .skipped(let target, let tier, let reason):
                    try await events.emit("skipped", ["target": .string(target), "context_tier": .int(Int64(tier)), "reason": .string(reason)])
                case .complete(let aggregates):
                    let summary: JSONValue = ["aggregates": .array(aggregates.map(\.json))]
                    try await runs.finishRun(id: runID, status: "done", summary: summary.jsonString)
                    try await events.emit("complete", ["run_id": .string(runID), "aggregates": summary["aggregates"]!])
                case .cancelled(let aggregates):
                    let summary: JSONValue = ["aggregates": .array(aggregates.map(\.json))]
                    try await runs.finishRun(id: runID, status: "cancelled", summary: summary.jsonString)
                    try await events.emit("cancelled", ["run_id": .string(runID), "aggregates": summary["aggregates"]!])
                }
            } catch {
                storageError = error
            }
        }
    }
}

extension BenchmarkResultRecord {
    /// A finished run as stored: metrics, the error class and sanitized message, and the
    /// per-read offsets from t0 (ms) with their event counts.
    init(_ r: RunResult, runID: String) {
        let m = r.metrics
        // [ms after t0 (µs resolution), bytes, events, token events] per read.
        let reads: JSONValue = .array(r.reads.map { read in
            let offset = read.at >= r.t0 ? Double((read.at - r.t0) / 1_000) / 1_000 : 0
            return [.double(offset), .int(Int64(read.bytes)), .int(Int64(read.events)), .int(Int64(read.tokenEvents))]
        })
        self.init(runID: runID, target: r.targetID, provider: r.providerID, model: r.model, contextTier: r.tier, runIndex: r.run,
                  ok: r.succeeded, ttftMs: m.ttftMs, totalS: m.totalSeconds, queueMs: m.queueMs, outputTokens: m.outputTokens,
                  reasoningTokens: m.reasoningTokens, inputTokens: m.inputTokens, tokensEstimated: m.tokensEstimated, tokensPerSecond: m.tokensPerSecond,
                  outputSpeed: m.outputSpeed, itlMs: m.itlMs, inputTPS: m.inputTPS, cost: m.cost, promptTokens: r.promptTokens,
                  errorClass: r.failure?.errorClass.description, error: r.failure?.message, reads: reads.jsonString)
    }
}

extension TierAggregate.Input {
    /// A stored result as the statistics see it.
    public init(_ r: BenchmarkResultRecord) {
        self.init(targetID: r.target, providerID: r.provider, model: r.model, tier: r.contextTier, ok: r.ok, ttftMs: r.ttftMs,
                  outputSpeed: r.outputSpeed, itlMs: r.itlMs, tokensPerSecond: r.tokensPerSecond, totalSeconds: r.totalS,
                  outputTokens: r.outputTokens.map(Double.init), reasoningTokens: r.reasoningTokens.map(Double.init),
                  cost: r.cost, errorClass: r.errorClass)
    }
}

