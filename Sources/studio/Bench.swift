import ArgumentParser
import Foundation
import HostBenchmark
import HostConfig
import HostMeasurement
import HostPlugins
import HostProviderCalls
import HostSimulator
import HostTransport
import StudioJSON

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark models: time to first token, output speed, inter-token latency, cost.",
        discussion: """
            Targets come from --config (default: ./config.yaml when present, else the built-in \
            configuration, which benchmarks the simulator offline), or from --provider, \
            --base-url and --model for a single ad-hoc target.
            """)

    @Option(help: "Configuration file (YAML).") var config: String?
    @Option(help: "Ad hoc: provider plugin id (openai, anthropic, gemini, ...).") var provider: String?
    @Option(name: .customLong("base-url"), help: "Ad hoc: endpoint base URL, or \"simulator\".") var baseURL: String?
    @Option(help: "Ad hoc: model id (repeatable).") var model: [String] = []
    @Option(name: .customLong("api-key-env"), help: "Ad hoc: environment variable holding the API key.") var apiKeyEnv: String?
    @Option(help: "Only these targets (model ids, provider ids or provider/model), comma separated.") var only: String?
    @Option(help: "Measured runs per target and tier (1-20).") var runs: Int?
    @Option(name: .customLong("max-tokens"), help: "Maximum output tokens.") var maxTokens: Int?
    @Option(help: "Sampling temperature.") var temperature: Double?
    @Option(name: .customLong("context-tiers"), help: "Context tiers in tokens, comma separated (e.g. 0,1000,5000).") var contextTiers: String?
    @Option(help: "The prompt.") var prompt: String?
    @Flag(name: .customLong("no-warmup"), help: "Skip the unrecorded warm-up call.") var noWarmup = false
    @Flag(help: "Print one JSON document with every run and aggregate.") var json = false
    @Option(help: "Also write every run as CSV to this file.") var csv: String?
    @Option(help: "Run on a studio server instead of locally (its URL); targets are your server-side providers and models.") var server: String?
    @Option(help: "With --server: a CLI token (or set STUDIO_TOKEN).") var token: String?
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        if let runs, !(1...20).contains(runs) { throw ValidationError("--runs must be between 1 and 20") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if let tiers = contextTiers, parseTiers(tiers) == nil {
            throw ValidationError("--context-tiers takes whole numbers separated by commas, e.g. 0,1000,5000")
        }
        if server != nil {
            guard (token ?? ProcessInfo.processInfo.environment["STUDIO_TOKEN"]) != nil else {
                throw ValidationError("--server needs --token (or STUDIO_TOKEN)")
            }
            guard !remoteTargets.isEmpty, baseURL == nil, config == nil else {
                throw ValidationError("with --server, name targets as --model PROVIDER/MODEL (or --provider P --model M); no --base-url or --config")
            }
            return
        }
        if (provider != nil || baseURL != nil || !model.isEmpty) && (provider == nil || baseURL == nil || model.isEmpty) {
            throw ValidationError("--provider, --base-url and --model go together")
        }
        if provider != nil && config != nil { throw ValidationError("use either --config or --provider/--base-url/--model") }
    }

    func parseTiers(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let tiers = parts.compactMap { Int($0) }
        return tiers.count == parts.count && !tiers.isEmpty && tiers.allSatisfy({ $0 >= 0 }) ? tiers : nil
    }

    /// The benchmark these flags ask for, over `defaults`.
    func request(targets: [BenchmarkRequest.Target], defaults: StudioConfig.Defaults) -> BenchmarkRequest {
        var request = BenchmarkRequest(targets: targets, defaults: defaults)
        if let runs { request.runs = runs }
        if let maxTokens { request.maxTokens = maxTokens }
        if let temperature { request.temperature = temperature }
        if let tiers = contextTiers.flatMap(parseTiers) { request.contextTiers = tiers }
        if noWarmup { request.warmup = false }
        if let prompt { request.prompt = prompt }
        return request
    }

    func loadConfig() throws -> StudioConfig {
        try Self.loadConfig(path: config, provider: provider, baseURL: baseURL, models: model, apiKeyEnv: apiKeyEnv)
    }

    /// The configuration a local run uses: ad hoc flags, else the file, else ./config.yaml,
    /// else the built-in one (the simulator). Shared by `bench` and `eval`.
    static func loadConfig(path config: String?, provider: String?, baseURL: String?, models: [String], apiKeyEnv: String?) throws -> StudioConfig {
        if let provider, let baseURL {
            var c = StudioConfig()
            c.providers = [.init(id: provider, name: provider, plugin: provider, baseURL: baseURL, apiKeyEnv: apiKeyEnv,
                                 models: models.map { StudioConfig.Model(id: $0) })]
            return c
        }
        let path = config ?? (FileManager.default.fileExists(atPath: "config.yaml") ? "config.yaml" : nil)
        guard let path else { return StudioConfig.builtIn }
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("cannot read \(path)")
            throw ExitCode.failure
        }
        do {
            return try StudioConfig(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            printError("\(path): \(error)")
            throw ExitCode.failure
        }
    }

    func run() async throws {
        if let server { return try await runRemote(server: server) }
        var config = try loadConfig()
        // The configuration's defaults, then the flags: the same request the API takes.
        let request = request(targets: [], defaults: config.defaults)
        config.defaults = request.defaults
        let selected = Set((only ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })

        let registry = try await plugins.trustedRegistry()

        var simulator: EmbeddedSimulator? = nil
        if config.providers.contains(where: \.usesSimulator) {
            simulator = try await EmbeddedSimulator.start()
            if !json { printError("simulator started on \(simulator!.baseURL)") }
        }
        let resolved = TargetResolver.resolve(config: config, registry: registry, simulatorBaseURL: simulator?.baseURL,
                                              environment: ProcessInfo.processInfo.environment, only: selected)
        for note in resolved.notes { printError("note: \(note)") }
        for problem in resolved.problems { printError("skipped: \(problem)") }
        guard !resolved.targets.isEmpty else {
            printError("nothing to benchmark")
            await simulator?.stop()
            throw ExitCode.failure
        }

        let plan = request.plan(targets: resolved.targets)
        do { try plan.validate() } catch {
            printError("invalid benchmark: \(error)")
            await simulator?.stop()
            throw ExitCode(2)
        }

        let transport = Transport()
        let started = Date()
        var results: [RunResult] = []
        var skipped: [JSONValue] = []
        var aggregates: [TierAggregate] = []
        for await event in BenchmarkRunner(transport: transport).run(plan) {
            switch event {
            case .result(let r):
                results.append(r)
            case .progress(let done, let total, let target, let tier, let run):
                if !json, let r = results.last { printError(BenchReport.progressLine(done: done, total: total, target: target, tier: tier, run: run, result: r)) }
            case .skipped(let target, let tier, let reason):
                skipped.append(["target": .string(target), "context_tier": .int(Int64(tier)), "reason": .string(reason)])
                if !json { printError("skipped \(target) tier \(tier): \(reason)") }
            case .complete(let a), .cancelled(let a):
                aggregates = a
            }
        }
        try? await transport.shutdown()
        await simulator?.stop()

        if let csv {
            do { try BenchReport.csv(results).write(toFile: csv, atomically: true, encoding: .utf8) } catch {
                printError("cannot write \(csv): \(error)")
                throw ExitCode.failure
            }
        }
        if json {
            let document: JSONValue = [
                "studio_version": .string(StudioVersion.current), "started_at": .string(BenchReport.iso8601(started)),
                "plan": ["runs": .int(Int64(plan.runs)), "max_tokens": .int(Int64(config.defaults.maxTokens)), "warmup": .bool(plan.warmup),
                         "context_tiers": .array(plan.contextTiers.map { .int(Int64($0)) }), "prompt": .string(plan.prompt),
                         "targets": .array(plan.targets.map { ["target": .string($0.id), "display_name": .string($0.displayName), "params": .object($0.params)] })],
                "runs": .array(results.map(\.json)), "aggregates": .array(aggregates.map(\.json)),
                "skipped": .array(skipped), "notes": .array(resolved.notes.map(JSONValue.string)),
                "problems": .array(resolved.problems.map(JSONValue.string)),
            ]
            print(document.prettyJSONString)
        } else {
            print(BenchReport.rankedTable(aggregates.map(\.json),
                                          names: Dictionary(plan.targets.map { ($0.id, $0.displayName) }, uniquingKeysWith: { a, _ in a })))
        }
        if !results.contains(where: \.succeeded) { throw ExitCode.failure }
    }
}

/// Formatting of benchmark output for the terminal and files.
enum BenchReport {
    static func progressLine(done: Int, total: Int, target: String, tier: Int, run: Int, result: RunResult) -> String {
        let head = "[\(done)/\(total)] \(target) tier \(tier) run \(run):"
        if let failure = result.failure { return "\(head) \(failure.errorClass) — \(failure.message.prefix(160))" }
        let m = result.metrics
        return "\(head) TTFT \(fmt(m.ttftMs, 1)) ms, \(fmt(m.outputSpeed, 1)) tok/s, ITL \(fmt(m.itlMs, 2)) ms, \(m.outputTokens) tokens\(m.tokensEstimated ? " (counted)" : "")"
    }

    static func fmt(_ v: Double?, _ digits: Int) -> String {
        guard let v, v.isFinite else { return "-" }
        return String(format: "%.\(digits)f", v)
    }

    /// Ranked by mean output speed; targets with no successful run last. Takes aggregates
    /// as JSON (TierAggregate.json), so local runs and server jobs print the same table.
    static func rankedTable(_ aggregates: [JSONValue], names: [String: String]) -> String {
        func speed(_ a: JSONValue) -> Double { a["output_speed"]?["mean"]?.doubleValue ?? -1 }
        let ranked = aggregates.sorted { speed($0) > speed($1) }
        var rows: [[String]] = []
        for (i, a) in ranked.enumerated() {
            let target = a["target"]?.stringValue ?? ""
            let ok = a["ok"]?.intValue ?? 0, failed = a["failed"]?.intValue ?? 0
            let errors = (a["errors"]?.objectValue ?? [:]).map { "\($0.key)×\($0.value.intValue ?? 0)" }.sorted().joined(separator: " ")
            rows.append([String(i + 1), names[target] ?? a["model"]?.stringValue ?? target, a["provider"]?.stringValue ?? "",
                         String(a["context_tier"]?.intValue ?? 0), "\(ok)/\(ok + failed)",
                         fmt(a["output_speed"]?["mean"]?.doubleValue, 1), fmt(a["ttft_ms"]?["p50"]?.doubleValue, 1),
                         fmt(a["ttft_ms"]?["p95"]?.doubleValue, 1), fmt(a["itl_ms"]?["mean"]?.doubleValue, 2),
                         fmt(a["output_tokens"]?["mean"]?.doubleValue, 0),
                         a["cost"]?["mean"]?.doubleValue.map { String(format: "%.6f", $0) } ?? "-",
                         a["confidence"]?.stringValue ?? "-", errors])
        }
        let header = ["#", "MODEL", "PROVIDER", "TIER", "OK", "TOK/S", "TTFT p50 ms", "TTFT p95 ms", "ITL ms", "TOKENS", "COST $", "CONFIDENCE", "ERRORS"]
        var widths = header.map(\.count)
        for row in rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        return ([header] + rows).map { row in
            row.enumerated().map { i, c in i == row.count - 1 ? c : c.padding(to: widths[i]) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static let csvColumns = ["target", "provider", "model", "context_tier", "run", "ok", "ttft_ms", "total_s", "queue_ms",
                             "output_tokens", "input_tokens", "tokens_estimated", "tokens_per_second", "output_speed",
                             "itl_ms", "input_tps", "cost", "prompt_tokens", "error_class", "error",
                             "reasoning_tokens"]  // added last, so columns read by position keep their place

    /// One row per run, as the server's export writes it (CSV: one rule for every export).
    static func csv(_ results: [RunResult]) -> String { csv(results.map(\.json)) }

    /// The same rows as the server sent them (`studio bench --server`).
    static func csv(_ results: [JSONValue]) -> String {
        CSV.document(header: csvColumns, rows: results.map { r in csvColumns.map { r[$0] ?? .null } })
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
