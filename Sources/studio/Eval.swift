import ArgumentParser
import Foundation
import HostBenchmark
import HostConfig
import HostEvals
import HostPlugins
import HostSimulator
import HostStorage
import HostTransport
import StudioJSON

/// `studio eval --suite FILE …` (docs/cli.md): a tool-calling suite run locally against
/// models, scored by a scorer plugin; the same case runner and summaries as server evals.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a tool-calling suite (studio-suite JSON) against models and score it.",
        discussion: "Targets come from --provider/--base-url/--model, or --config, or ./config.yaml, or the built-in simulator.")

    @Option(help: "The suite file (a studio-suite JSON document).") var suite: String
    @Option(help: "Configuration file (YAML).") var config: String?
    @Option(help: "Ad hoc: provider plugin id.") var provider: String?
    @Option(name: .customLong("base-url"), help: "Ad hoc: endpoint base URL, or \"simulator\".") var baseURL: String?
    @Option(help: "Ad hoc: model id (repeatable).") var model: [String] = []
    @Option(name: .customLong("api-key-env"), help: "Ad hoc: environment variable holding the API key.") var apiKeyEnv: String?
    @Option(help: "Only these targets (model ids, provider ids or provider/model), comma separated.") var only: String?
    @Option(help: "Scorer plugin id.") var scorer = "toolcall"
    @Option(name: .customLong("repeat"), help: "Tries per case (pass@k, pass^k).") var tries = 1
    @Option(name: .customLong("tool-choice"), help: "auto, required or none.") var toolChoice = "auto"
    @Option(name: .customLong("max-tokens"), help: "Maximum output tokens (default: the configuration's, else 512).") var maxTokens: Int?
    @Option(help: "A sampling parameter for every model, NAME=VALUE (repeatable; through each provider's rules).") var param: [String] = []
    @Option(name: .customLong("system-prompt"), help: "Replaces the suite's system prompt.") var systemPrompt: String?
    @Flag(help: "Print one JSON document with every result and summary.") var json = false
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        guard (1...10).contains(tries) else { throw ValidationError("--repeat must be between 1 and 10") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        guard ["auto", "required", "none"].contains(toolChoice) else { throw ValidationError("--tool-choice is auto, required or none") }
        _ = try Tune.assignments(param, flag: "--param")
        if (provider != nil || baseURL != nil || !model.isEmpty) && (provider == nil || baseURL == nil || model.isEmpty) {
            throw ValidationError("--provider, --base-url and --model go together")
        }
    }

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: suite) else {
            printError("cannot read \(suite)")
            throw ExitCode.failure
        }
        let contents: SuiteContents
        do { contents = try SuiteDocument.parse(try JSONParser.parse(String(decoding: data, as: UTF8.self))) } catch {
            printError("\(suite): \(error)")
            throw ExitCode.failure
        }
        var studioConfig = try Bench.loadConfig(path: config, provider: provider, baseURL: baseURL, models: model, apiKeyEnv: apiKeyEnv)
        if let maxTokens { studioConfig.defaults.maxTokens = maxTokens }
        // One configuration for every model: the flags' parameters over each model's own.
        let params = try Tune.assignments(param, flag: "--param")
        for p in studioConfig.providers.indices {
            for m in studioConfig.providers[p].models.indices {
                for (name, value) in params { studioConfig.providers[p].models[m].params[name] = value }
            }
        }
        let registry = try await plugins.trustedRegistry()
        guard let scorerPlugin = registry.scorer(id: scorer) else {
            printError("no scorer plugin \"\(scorer)\" is loaded (loaded: \(registry.plugins.filter { $0.kinds.contains("scorer") }.map(\.id).joined(separator: ", ")))")
            throw ExitCode.failure
        }
        let scorerInstance = try scorerPlugin.makeScorer()
        let simulator = studioConfig.providers.contains(where: \.usesSimulator) ? try await EmbeddedSimulator.start() : nil
        let selected = Set((only ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        let resolved = TargetResolver.resolve(config: studioConfig, registry: registry, simulatorBaseURL: simulator?.baseURL,
                                              environment: ProcessInfo.processInfo.environment, only: selected)
        for problem in resolved.problems { printError("skipped: \(problem)") }
        guard !resolved.targets.isEmpty else {
            printError("nothing to evaluate")
            await simulator?.stop()
            throw ExitCode.failure
        }
        let request = EvalRequest(json: ["suite_id": "local", "targets": [], "tool_choice": .string(toolChoice),
                                         "repeat": .int(Int64(tries)), "scorer": .string(scorer)])
        // The document was checked and written by SuiteDocument, so each part parses.
        let tools = try contents.tools.map { try JSONParser.parse($0.definition) }
        let evalSuite = EvalSuite(systemPrompt: systemPrompt ?? contents.systemPrompt, tools: tools,
                                  cases: try contents.cases.map { EvalSuite.Case(key: $0.key, body: try JSONParser.parse($0.body)) })
        let transport = Transport()
        let results = try await EvalRunner(transport: transport).run(targets: resolved.targets, suite: evalSuite, request: request,
                                                                     scorer: scorerInstance) { event in
            guard !json, case .result(let result, let done, let total) = event else { return }
            printError("[\(done)/\(total)] \(result.target) \(result.caseKey) try \(result.repeatIndex): score \(result.score.map { String(format: "%.2f", $0) } ?? "-")"
                       + (result.errorType.map { " (\($0))" } ?? ""))
        }
        try? await transport.shutdown()
        await simulator?.stop()
        let models = try EvalSummary.compute(results)
        if json {
            let document: JSONValue = ["suite": .string(contents.name), "scorer": .string(scorer),
                                       "results": .array(try results.map { .object(try $0.json) }), "models": .array(models)]
            print(document.prettyJSONString)
        } else {
            printTable(header: ["MODEL", "CASES", "RUNS", "MEAN SCORE", "PASS RATE", "PASS@K", "PASS^K", "LATENCY ms", "ERRORS"], rows: models.map { m in
                [m["target"]?.stringValue ?? "", "\(m["cases"]?.intValue ?? 0)", "\(m["runs"]?.intValue ?? 0)",
                 String(format: "%.3f", m["mean_score"]?.doubleValue ?? 0), String(format: "%.3f", m["pass_rate"]?.doubleValue ?? 0),
                 String(format: "%.3f", m["pass_at_k"]?.doubleValue ?? 0), String(format: "%.3f", m["pass_hat_k"]?.doubleValue ?? 0),
                 m["latency_ms_mean"]?.doubleValue.map { String(format: "%.1f", $0) } ?? "-",
                 (m["errors"]?.objectValue ?? [:]).map { "\($0.key)×\($0.value.intValue ?? 0)" }.sorted().joined(separator: " ")]
            })
        }
        if results.allSatisfy({ $0.errorType != nil && $0.score == 0 && $0.passed == false && $0.subscores == nil }) { throw ExitCode.failure }
    }
}
