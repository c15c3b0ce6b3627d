import ArgumentParser
import Foundation
import HostBenchmark
import HostConfig
import HostLoad
import HostMeasurement
import HostPlugins
import HostSimulator
import HostTransport
import StudioJSON

struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load-test one target: closed-loop concurrency or open-loop arrival rates, a sweep across levels.",
        discussion: """
            Each level sends its warm-up requests (discarded), then its measured ones, and \
            reports offered vs achieved rate and concurrency, TTFT, ITL (per read and per \
            request) and E2E percentiles, output tokens/s, errors, goodput against the SLOs, \
            and this client's own dispatch lag (a level whose lag p99 exceeds 1 ms is \
            flagged client-limited). --base-url simulator starts the simulator in-process.
            """)

    @Option(help: "Provider plugin id (openai, anthropic, gemini, ...).") var provider: String
    @Option(name: .customLong("base-url"), help: "Endpoint base URL, or \"simulator\".") var baseURL: String
    @Option(help: "Model id.") var model: String
    @Option(name: .customLong("api-key-env"), help: "Environment variable holding the API key.") var apiKeyEnv: String?
    @Option(help: "Closed loop: streams, or several levels comma separated (1,8,64).") var concurrency: String?
    @Option(help: "Open loop: requests per second, or several levels comma separated.") var rate: String?
    @Flag(help: "Open loop: Poisson arrivals instead of evenly spaced ones.") var poisson = false
    @Option(help: "Seed of the Poisson arrivals.") var seed: UInt64 = 1
    @Option(help: "Measured requests per level (default 100).") var requests: Int?
    @Option(help: "Measured seconds per level instead of a request count.") var duration: Double?
    @Option(help: "Warm-up requests per level, discarded (default: one per stream, or 10).") var warmup: Int?
    @Option(name: .customLong("max-tokens"), help: "Maximum output tokens per request.") var maxTokens: Int = StudioConfig.Defaults.loadTestMaxTokens
    @Option(name: .customLong("slo-ttft-ms"), help: "Goodput: TTFT at most this (ms).") var sloTTFT: Double?
    @Option(name: .customLong("slo-itl-ms"), help: "Goodput: per-request ITL at most this (ms).") var sloITL: Double?
    @Option(name: .customLong("slo-e2e-ms"), help: "Goodput: end-to-end latency at most this (ms).") var sloE2E: Double?
    @Flag(help: "Print one JSON document with every level.") var json = false
    @Option(name: .customLong("requests-out"),
            help: "Also write every measured request (level, intended and actual send time, TTFT, ITL, E2E, error, server request id) to this file: CSV when it ends in .csv, else JSON lines.")
    var requestsOut: String?
    @OptionGroup var plugins: PluginOptions

    static func levels(_ text: String?, integer: Bool) throws -> [Double] {
        guard let text else { return [] }
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard values.count == parts.count, !values.isEmpty, values.allSatisfy({ $0 > 0 && (!integer || $0 == $0.rounded()) }) else {
            throw ValidationError(integer ? "--concurrency takes whole numbers above 0, comma separated (1,8,64)"
                                          : "--rate takes numbers above 0, comma separated (5,10.5)")
        }
        return values
    }

    func plan() throws -> LoadPlan {
        let streams = try Self.levels(concurrency, integer: true)
        let rates = try Self.levels(rate, integer: false)
        guard streams.isEmpty != rates.isEmpty else { throw ValidationError("give exactly one of --concurrency or --rate") }
        if poisson && rates.isEmpty { throw ValidationError("--poisson goes with --rate") }
        if requests != nil && duration != nil { throw ValidationError("give --requests or --duration, not both") }
        if let requests, requests < 1 { throw ValidationError("--requests must be at least 1") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be above 0 seconds") }
        if let warmup, warmup < 0 { throw ValidationError("--warmup cannot be negative") }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if streams.contains(where: { $0 > 4096 }) { throw ValidationError("--concurrency is at most 4096") }
        var plan = LoadPlan(levels: streams.map { .concurrency(Int($0)) } + rates.map { .rate($0) })
        plan.poisson = poisson
        plan.seed = seed
        plan.durationSeconds = duration
        plan.requests = duration == nil ? (requests ?? 100) : nil
        plan.warmup = warmup
        plan.maxTokens = maxTokens
        plan.slo = .init(ttftMs: sloTTFT, itlMs: sloITL, e2eMs: sloE2E)
        return plan
    }

    func validate() throws { _ = try plan() }

    func run() async throws {
        let plan = try plan()
        let registry = try await plugins.trustedRegistry()
        let config = try Bench.loadConfig(path: nil, provider: provider, baseURL: baseURL, models: [model], apiKeyEnv: apiKeyEnv)
        let simulator = config.providers.contains(where: \.usesSimulator) ? try await EmbeddedSimulator.start() : nil
        if let simulator, !json { printError("simulator started on \(simulator.baseURL)") }
        let resolved = TargetResolver.resolve(config: config, registry: registry, simulatorBaseURL: simulator?.baseURL,
                                              environment: ProcessInfo.processInfo.environment)
        guard let target = resolved.targets.first else {
            printError("cannot load-test: " + resolved.problems.joined(separator: "; "))
            await simulator?.stop()
            throw ExitCode.failure
        }
        // The per-request file is created first, so a path that cannot be written fails now.
        let requestsFile: RequestsFile?
        do { requestsFile = try requestsOut.map(RequestsFile.init(path:)) } catch {
            printError("--requests-out: cannot write \(requestsOut ?? ""): \(error)")
            await simulator?.stop()
            throw ExitCode(2)
        }
        let log = requestsFile.map { _ in RequestLog(origin: .now(), target: target.id) }
        let transport = LoadEngine.transport(for: plan)
        let engine = LoadEngine(endpoint: target.endpoint, model: target.model, transport: transport)
        var reports: [JSONValue] = []
        for level in plan.levels {
            if !json { printError("\(level): warming up (\(plan.warmupCount(for: level)) requests)…") }
            let report = await engine.run(level, plan: plan, log: log) { done, total in
                if !json { printError("  \(level): \(done)\(total.map { "/\($0)" } ?? "") requests") }
            }
            if let log, let requestsFile {
                let (timings, dropped) = log.drain()
                do { try requestsFile.write(timings) } catch {
                    printError("--requests-out: cannot write \(requestsFile.path): \(error)")
                    throw ExitCode.failure
                }
                if dropped > 0 { printError("  \(level): \(dropped) requests past the first \(log.capacity) not written to \(requestsFile.path)") }
            }
            reports.append(report.json)
            if !json {
                print(Self.line(report.json))
                for (errorClass, message) in report.json["error_examples"]?.objectValue ?? [:] {
                    printError("  \(errorClass), e.g.: \(message.stringValue ?? "")")
                }
            }
        }
        try? await transport.shutdown()
        await simulator?.stop()
        if let requestsFile {
            try requestsFile.close()
            if !json { printError("requests written to \(requestsFile.path)") }
        }
        let document: JSONValue = ["target": .string(target.id), "plan": plan.json, "levels": .array(reports),
                                   "peak_rss_mb": .double(ProcessCPU.peakRSSMegabytes())]
        if json {
            print(document.jsonString)
        } else {
            print(Self.table(reports))
            print(String(format: "peak RSS %.1f MB", ProcessCPU.peakRSSMegabytes()))
        }
        let failed = reports.allSatisfy { ($0["ok"]?.intValue ?? 0) == 0 }
        if failed { throw ExitCode.failure }
    }

    static func line(_ r: JSONValue) -> String {
        let limited = r["client_limited"] == true ? "  CLIENT-LIMITED" : ""
        return "\(r["level"]?.stringValue ?? ""): \(r["ok"]?.intValue ?? 0)/\(r["requests"]?.intValue ?? 0) ok\(limited)"
    }

    /// The levels as a table: one row per level.
    static func table(_ reports: [JSONValue]) -> String {
        func f(_ v: JSONValue?, _ digits: Int = 1) -> String { v?.doubleValue.map { String(format: "%.\(digits)f", $0) } ?? "—" }
        var rows = [["level", "ok/req", "req/s", "conc", "tok/s", "TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "E2E p99", "lag p99",
                     "goodput", "errors"]]
        for r in reports {
            let errors = (r["errors"]?.objectValue.map { Array($0) } ?? []).map { "\($0.key)×\($0.value.intValue ?? 0)" }.joined(separator: " ")
            rows.append([
                (r["level"]?.stringValue ?? "") + (r["client_limited"] == true ? " (client-limited)" : ""),
                "\(r["ok"]?.intValue ?? 0)/\(r["requests"]?.intValue ?? 0)", f(r["achieved_rate"], 2), f(r["achieved_concurrency"]),
                f(r["output_tokens_per_s"], 0), f(r["ttft_ms"]?["p50"], 2), f(r["ttft_ms"]?["p99"], 2),
                f(r["itl_ms_per_read"]?["p50"], 2), f(r["itl_ms_per_read"]?["p99"], 2), f(r["e2e_ms"]?["p99"]),
                f(r["dispatch_lag_ms"]?["p99"], 3), r["goodput"]?["requests_per_s"].map { f($0, 2) } ?? "—", errors.isEmpty ? "—" : errors,
            ])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            .joined(separator: "  ") }.joined(separator: "\n") + "\n(ms; ITL per read; lag = dispatch lag of this client)"
    }
}
