import HostBenchmark
import HostLoad
import HostMeasurement
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// Runs a load test: each level through the LoadEngine with a connection pool sized to
/// it, a `result` event per level, stored as a run of kind `load` whose summary holds
/// every level's report.
public struct LoadTestJobExecutor: JobExecutor {
    public let kind = JobKind.loadtest
    let configuration: UserConfiguration
    let runs: RunStore
    let jobs: JobStore
    let plugins: @Sendable () -> PluginRegistry
    /// The SSRF policy the load test's own transport applies.
    let policy: AddressPolicy
    let simulatorURL: String?

    public init(configuration: UserConfiguration, runs: RunStore, jobs: JobStore, plugins: @escaping @Sendable () -> PluginRegistry,
                policy: AddressPolicy, simulatorURL: String?) {
        self.configuration = configuration
        self.runs = runs
        self.jobs = jobs
        self.plugins = plugins
        self.policy = policy
        self.simulatorURL = simulatorURL
    }

    public func run(_ job: JobRecord, events: JobEventWriter) async throws {
        // The stored request is checked again: it may predate today's bounds (a job queued
        // by an older version must fail with a reason, never reach the engine).
        let body = try JSONParser.parse(job.request)
        if let violation = JSONSchema(LoadTestRequest.schema).validate(body).first {
            throw JobFailure("the stored request is no longer valid: \(violation.path) \(violation.message)")
        }
        if let (field, message) = LoadTestRequest.problem(body) { throw JobFailure("the stored request is no longer valid: \(field): \(message)") }
        let request = LoadTestRequest(json: body)
        let targets = BenchmarkRequest.single(provider: request.provider, model: request.model)
        let resolved = try await configuration.targets(userID: job.userID, request: targets, registry: plugins(),
                                                       simulatorURL: simulatorURL, events: events)
        let target = resolved.targets[0]
        let run = try await runs.createRun(userID: job.userID, jobID: job.id, kind: "load", request: job.request, scheduleID: job.scheduleID)
        try await jobs.setResult(jobID: job.id, kind: "benchmark_run", id: run.id)
        let transport = LoadEngine.transport(for: request.plan, policy: policy)
        let engine = LoadEngine(endpoint: target.endpoint, model: target.model, transport: transport)
        var levels: [JSONValue] = []
        // Every request is kept for the per-request export, its times counted from here.
        let log = RequestLog(origin: .now(), target: target.id)
        for (index, level) in request.plan.levels.enumerated() {
            if Task.isCancelled { break }
            let progress: LoadEngine.Progress = { done, total in
                _ = try? await events.emit("progress", ["run_id": .string(run.id), "level": .string(level.description),
                                                        "level_index": .int(Int64(index)), "done": .int(Int64(done)),
                                                        "total": total.map { .int(Int64($0)) } ?? .null])
            }
            try await events.emit("progress", ["run_id": .string(run.id), "level": .string(level.description), "level_index": .int(Int64(index)),
                                               "levels": .int(Int64(request.plan.levels.count)), "done": 0,
                                               "total": request.plan.requests.map { .int(Int64($0)) } ?? .null])
            var report = await engine.run(level, plan: request.plan, log: log, progress: progress).json.objectValue ?? [:]
            report["target"] = .string(target.id)
            let (timings, dropped) = log.drain()
            try await runs.addRequestTimings(userID: job.userID, runID: run.id, timings)
            report["requests_not_kept"] = .int(Int64(dropped))
            levels.append(.object(report))
            var event = report
            event["run_id"] = .string(run.id)
            try await events.emit("result", .object(event))
        }
        try? await transport.shutdown()
        let summary: JSONValue = ["target": .string(target.id), "plan": request.plan.json, "levels": .array(levels)]
        let cancelled = Task.isCancelled
        try await runs.finishRun(id: run.id, status: cancelled ? "cancelled" : "done", summary: summary.jsonString)
        try await events.emit(cancelled ? "cancelled" : "complete", ["run_id": .string(run.id), "target": .string(target.id),
                                                                     "levels": .array(levels)])
    }
}
