import Foundation
import StudioJSON
import Testing

/// `studio bench` as a user runs it: built-in configuration, the simulator started
/// in-process, every wire format, JSON and CSV output, skip rule, faults.
@Suite struct BenchCommandTests {
    func bench(_ arguments: [String], in directory: URL? = nil) throws -> TestSupport.ProcessResult {
        let dir = directory ?? TestSupport.temporaryDirectory("bench")
        // Run from an empty folder so no config.yaml is picked up.
        return try TestSupport.run("/bin/sh", ["-c", "cd '\(dir.path)' && exec \"$0\" \"$@\"", TestSupport.studioExecutable, "bench"]
                                   + arguments + ["--plugins", TestSupport.cPluginFolder.path])
    }

    /// Recorded streams replayed by `studio simulate --replay`, benchmarked as a user would:
    /// Gemini's thoughts count as output (billed so) and are reported apart, Groq's usage
    /// comes from `x_groq`, both in the JSON and the CSV.
    @Test func replayedCapturesCountReasoningAndVendorUsage() async throws {
        let folder = TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/captures").path
        let simulator = try SimulatorProcess(arguments: ["--replay", folder])
        defer { simulator.process.terminate() }  // also when an expectation throws
        let dir = TestSupport.temporaryDirectory("bench-replay")
        let csv = dir.appendingPathComponent("runs.csv").path
        let gemini = try bench(["--provider", "gemini", "--base-url", simulator.baseURL + "/v1beta", "--model", "replay-gemini-sse-thinking--gap2",
                                "--runs", "1", "--no-warmup", "--json", "--csv", csv], in: dir)
        #expect(gemini.status == 0, "\(gemini.stderr)")
        let document = try JSONParser.parse(gemini.stdout)
        let run = document["runs"]?.arrayValue?.first
        #expect(document["aggregates"]?.arrayValue?.first?["reasoning_tokens"]?["mean"] == 1947)
        #expect(run?["ok"] == true)
        #expect(run?["reasoning_tokens"] == 1947)
        #expect(run?["output_tokens"] == 1947)  // the capture gives no candidates count: thoughts only
        #expect(run?["input_tokens"] == 30 && run?["tokens_estimated"] == false)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(whereSeparator: \.isNewline)
        let header = lines.first?.split(separator: ",").map(String.init) ?? []
        let column = try #require(header.firstIndex(of: "reasoning_tokens"))
        #expect(lines.dropFirst().first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init)[column] == "1947")

        let groq = try bench(["--provider", "openai", "--base-url", simulator.baseURL + "/v1", "--model", "replay-groq-stream-x-groq-usage",
                              "--runs", "1", "--no-warmup", "--json"], in: dir)
        #expect(groq.status == 0, "\(groq.stderr)")
        let groqRun = try JSONParser.parse(groq.stdout)["runs"]?.arrayValue?.first
        #expect(groqRun?["input_tokens"] == 18 && groqRun?["output_tokens"] == 73 && groqRun?["tokens_estimated"] == false)
        await simulator.stop()
    }

    @Test func builtInConfigurationRunsOfflineAcrossWireFormats() throws {
        let dir = TestSupport.temporaryDirectory("bench-json")
        let csv = dir.appendingPathComponent("runs.csv").path
        let result = try bench(["--max-tokens", "8", "--runs", "2", "--context-tiers", "0,40000", "--json", "--csv", csv], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try JSONParser.parse(result.stdout)
        let runs = doc["runs"]?.arrayValue ?? []
        let aggregates = doc["aggregates"]?.arrayValue ?? []
        let skipped = doc["skipped"]?.arrayValue ?? []
        // Four models; the slow one (32k window) cannot take the 40k tier.
        #expect(skipped.count == 1)
        #expect(skipped.first?["target"] == "sim-openai/sim-ttft300-gap25-tok128")
        #expect(runs.count == 4 * 2 * 2 - 2)
        #expect(runs.allSatisfy { $0["ok"] == true }, "\(runs.filter { $0["ok"] != true })")
        #expect(Set(runs.compactMap { $0["provider"]?.stringValue }) == ["sim-openai", "sim-anthropic", "sim-gemini"])
        for run in runs {
            #expect(run["output_tokens"] == 8)
            #expect(run["tokens_estimated"] == false)
            #expect((run["ttft_ms"]?.doubleValue ?? 0) > 50)
            #expect(run["cost"]?.doubleValue != nil)
        }
        // The 40k tier really sent ~40k tokens of filler (the simulator counts 4 bytes a token).
        let big = runs.first { $0["context_tier"] == 40000 }
        #expect((big?["prompt_tokens"]?.intValue ?? 0) > 39_000)
        #expect(aggregates.count == 7)
        for a in aggregates {
            #expect(a["ok"] == 2)
            let ttft = a["ttft_ms"]
            #expect((ttft?["min"]?.doubleValue ?? 0) <= (ttft?["p95"]?.doubleValue ?? -1))
            #expect((ttft?["p95"]?.doubleValue ?? .infinity) <= (ttft?["max"]?.doubleValue ?? 0))
        }
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(lines.count == runs.count + 1)
        #expect(lines[0].hasPrefix("target,provider,model,context_tier,run,ok,ttft_ms"))
    }

    @Test func rankedTableOnTheTerminal() throws {
        let result = try bench(["--max-tokens", "6", "--runs", "1", "--only", "sim-openai", "--no-warmup"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("#  MODEL") == true)
        #expect(lines.count == 3)
        #expect(lines[1].contains("Simulated fast model"), "faster model ranks first: \(result.stdout)")
        #expect(result.stderr.contains("[1/2]") || result.stderr.contains("[2/2]"))
    }

    @Test func faultsAreReportedPerRunAndAllFailedExitsOne() throws {
        let result = try bench(["--provider", "openai", "--base-url", "simulator", "--model", "sim-fault429",
                                "--model", "sim-faultdisconnect-tok10-gap1-ttft5", "--runs", "2", "--json", "--no-warmup"])
        #expect(result.status == 1)
        let doc = try JSONParser.parse(result.stdout)
        let classes = (doc["runs"]?.arrayValue ?? []).compactMap { $0["error_class"]?.stringValue }
        #expect(classes == ["rate_limited", "rate_limited", "network", "network"])
    }

    @Test func badInputIsAUsageErrorOrANamedFailure() throws {
        #expect(try bench(["--runs", "0"]).status == 2)
        #expect(try bench(["--provider", "openai"]).status == 2)
        #expect(try bench(["--context-tiers", "0,abc"]).status == 2)
        let dir = TestSupport.temporaryDirectory("bench-badconfig")
        try "providers:\n  - id: x\n    plugin: openai\n    base_url: simulator\n    models: [{id: m, price_in: -3}]\n"
            .write(to: dir.appendingPathComponent("config.yaml"), atomically: true, encoding: .utf8)
        let bad = try bench([], in: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("providers[0].models[0].price_in"), "\(bad.stderr)")
        let missingKey = try bench(["--provider", "openai", "--base-url", "https://api.openai.com/v1", "--model", "gpt-4o",
                                    "--api-key-env", "STUDIO_TEST_UNSET_KEY_VAR"])
        #expect(missingKey.status == 1)
        #expect(missingKey.stderr.contains("STUDIO_TEST_UNSET_KEY_VAR is not set"))
    }
}
