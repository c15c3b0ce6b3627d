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

/// The user's stored configuration as the benchmark engine reads it, with their keys.
public struct UserConfiguration: Sendable {
    public let providers: ProviderStore
    public let vault: KeyVault

    public init(providers: ProviderStore, vault: KeyVault) {
        self.providers = providers
        self.vault = vault
    }

    /// The user's providers and models as a configuration (only the requested targets
    /// when `only` is given), with the request's defaults.
    public func config(userID: String, request: BenchmarkRequest) async throws -> StudioConfig {
        let providerRows = try await providers.providers(userID: userID)
        let modelRows = try await providers.models(userID: userID)
        var config = StudioConfig()
        config.defaults.runs = request.runs
        config.defaults.maxTokens = request.maxTokens
        config.defaults.temperature = request.temperature
        config.defaults.contextTiers = request.contextTiers
        config.defaults.warmup = request.warmup
        let wanted = Set(request.targets.map(\.id))
        for row in providerRows {
            var provider = StudioConfig.Provider(id: row.slug, name: row.displayName, plugin: row.pluginID, baseURL: row.baseURL,
                                                 apiKeyEnv: nil, models: [])
            provider.params = (try? JSONParser.parse(row.defaultParams))?.objectValue ?? [:]
            for m in modelRows where m.providerID == row.id && wanted.contains("\(row.slug)/\(m.modelID)") {
                var model = StudioConfig.Model(id: m.modelID)
                model.displayName = m.displayName
                model.contextWindow = m.contextWindow
                model.maxOutput = m.maxOutput
                model.priceIn = m.priceIn
                model.priceOut = m.priceOut
                model.systemPrompt = m.systemPrompt
                model.skipParams = (try? JSONParser.parse(m.skipParams))?.arrayValue?.compactMap(\.stringValue) ?? []
                var params = (try? JSONParser.parse(m.params))?.objectValue ?? [:]
                for (k, v) in request.params { params[k] = v }  // the request's parameters win
                model.params = params
                provider.models.append(model)
            }
            if !provider.models.isEmpty { config.providers.append(provider) }
        }
        return config
    }

    /// The decrypted key for each provider of the configuration that has one (the
    /// user's, else the admin's global fallback). Kept in memory for the job only.
    public func keys(userID: String, for config: StudioConfig) async throws -> [String: String] {
        var keys: [String: String] = [:]
        for provider in config.providers {
            keys[provider.id] = try await vault.key(userID: userID, providerID: provider.id,
                                                    endpoint: KeyVault.Endpoint(plugin: provider.plugin, baseURL: provider.baseURL))
        }
        return keys
    }

    /// The request's targets, ready to call: the user's configuration with their keys,
    /// through the plugins' rules. Targets left out are announced as `skipped`; none
    /// left fails the job.
    public func targets(userID: String, request: BenchmarkRequest, registry: PluginRegistry, simulatorURL: String?,
                        events: JobEventWriter) async throws -> TargetResolver.Resolved {
        let config = try await config(userID: userID, request: request)
        let keys = try await keys(userID: userID, for: config)
        let resolved = TargetResolver.resolve(config: config, registry: registry, simulatorBaseURL: simulatorURL, environment: [:], apiKeys: keys)
        for problem in resolved.problems { try await events.emit("skipped", ["target": .null, "reason": .string(problem)]) }
        guard !resolved.targets.isEmpty else { throw JobFailure("no target could be prepared: " + resolved.problems.joined(separator: "; ")) }
        return resolved
    }

    /// Which requested targets do not exist for this user (index and reason).
    public func missingTargets(userID: String, request: BenchmarkRequest) async throws -> (Int, String)? {
        let providerRows = try await providers.providers(userID: userID)
        let modelRows = try await providers.models(userID: userID)
        for (i, target) in request.targets.enumerated() {
            guard let provider = providerRows.first(where: { $0.slug == target.provider }) else {
                return (i, "you have no provider \"\(target.provider)\"")
            }
            guard modelRows.contains(where: { $0.providerID == provider.id && $0.modelID == target.model }) else {
                return (i, "provider \"\(target.provider)\" has no model \"\(target.model)\"")
            }
        }
        return nil
    }
}

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
        var plan = BenchmarkPlan(targets: resolved.targets)
        plan.runs = request.runs
        plan.warmup = request.warmup
        plan.prompt = request.prompt
        plan.contextTiers = request.contextTiers

        let run = try await runs.createRun(userID: job.userID, jobID: job.id, request: job.request, scheduleID: job.scheduleID)
        try await jobs.setResult(jobID: job.id, kind: "benchmark_run", id: run.id)
        try await events.emit("progress", ["run_id": .string(run.id), "done": 0,
                                           "total": .int(Int64(plan.targets.count * plan.contextTiers.count * plan.runs)),
                                           "notes": .array(resolved.notes.map(JSONValue.string))])
        let recorder = Recorder(runID: run.id, userID: job.userID, runs: runs, events: events)
        await BenchmarkRunner(transport: transport).execute(plan) { event in await recorder.record(event) }
        if let error = await recorder.storageError { throw error }
    }

    /// Stores and publishes the runner's events one at a time, in arrival order.
    actor Recorder {
        let runID: String
        let userID: String
        let runs: RunStore
        let events: JobEventWriter
        var storageError: (any Error)?

        init(runID: String, userID: String, runs: RunStore, events: JobEventWriter) {
            self.runID = runID
            self.userID = userID
            self.runs = runs
            self.events = events
        }

        func record(_ event: BenchmarkEvent) async {
            do {
                switch event {
                case .result(let result):
                    try await runs.addResult(userID: userID, BenchmarkResultRecord(result, runID: runID))
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
                  inputTokens: m.inputTokens, tokensEstimated: m.tokensEstimated, tokensPerSecond: m.tokensPerSecond,
                  outputSpeed: m.outputSpeed, itlMs: m.itlMs, inputTPS: m.inputTPS, cost: m.cost, promptTokens: r.promptTokens,
                  errorClass: r.failure?.errorClass.description, error: r.failure?.message, reads: reads.jsonString)
    }
}

extension TierAggregate.Input {
    /// A stored result as the statistics see it.
    public init(_ r: BenchmarkResultRecord) {
        self.init(targetID: r.target, providerID: r.provider, model: r.model, tier: r.contextTier, ok: r.ok, ttftMs: r.ttftMs,
                  outputSpeed: r.outputSpeed, itlMs: r.itlMs, tokensPerSecond: r.tokensPerSecond, totalSeconds: r.totalS,
                  outputTokens: r.outputTokens.map(Double.init), cost: r.cost, errorClass: r.errorClass)
    }
}

/// What a benchmark request must pass before it is queued (by the API, by "run now" and
/// by each scheduled firing, since the user's configuration may change in between).
public enum BenchmarkRequestCheck {
    public struct Problem: Error, CustomStringConvertible {
        /// The field at fault, as the user wrote it (`targets[1]`, `params`).
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    public struct Checked: Sendable {
        /// Every parameter the provider rules changed, with the target it applies to.
        public var adjustments: [JSONValue] = []
        public var warnings: [JSONValue] = []
    }

    public static func check(userID: String, request: BenchmarkRequest, configuration: UserConfiguration,
                             plugins: PluginRegistry) async throws -> Checked {
        if let (index, reason) = try await configuration.missingTargets(userID: userID, request: request) {
            throw Problem(field: "targets[\(index)]", message: reason)
        }
        var checked = Checked()
        let config = try await configuration.config(userID: userID, request: request)
        for provider in config.providers {
            guard let plugin = plugins.provider(id: provider.plugin) else {
                throw Problem(field: "targets", message: "provider \"\(provider.id)\" uses plugin \"\(provider.plugin)\", which is not loaded")
            }
            let validator = ParameterValidator(provider: plugin.manifest.provider)
            for model in provider.models {
                let result = validator.validate(provider.requestParams(for: model, defaults: config.defaults), model: model.id)
                let target = JSONValue.string("\(provider.id)/\(model.id)")
                if let error = result.errors.first { throw Problem(field: "params", message: "\(provider.id)/\(model.id): \(error)") }
                checked.adjustments += result.adjustments.map { adjustment in
                    var json = adjustment.json.objectValue ?? [:]
                    json["target"] = target
                    return .object(json)
                }
                checked.warnings += result.warnings.map { ["target": target, "warning": .string($0)] }
            }
        }
        return checked
    }
}
