import Foundation
import HostBenchmark
import HostConfig
import HostHTTP
import HostPlugins
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// Presets carry their server's parameter rules (vLLM takes top_k, OpenAI refuses it), and
/// a provider remembers its preset wherever it lives: made from one in the API, named with
/// `preset:` in config.yaml, or added with `studio providers add --preset`.
@Suite struct PresetRulesTests {
    @Test func aPresetsRulesApplyInTheAPI() async throws {
        var options = StudioServices.Options()
        options.allowLocalEndpoints = true
        let studio = try await TestStudio.make(.sqlite, options: options)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            // The same parameters, checked as OpenAI and as vLLM.
            let asOpenAI = try await client.call(.post, "/api/params/validate", token: ada,
                                                 json: ["plugin_id": "openai", "model": "m", "params": ["top_k": 40, "min_p": 0.05]]).body
            #expect(asOpenAI["resolved_params"]?["top_k"] == nil, "OpenAI refuses top_k: \(asOpenAI)")
            let asVLLM = try await client.call(.post, "/api/params/validate", token: ada,
                                               json: ["plugin_id": "openai", "preset": "vllm", "model": "m", "params": ["top_k": 40, "min_p": 0.05]]).body
            #expect(asVLLM["resolved_params"] == ["top_k": 40, "min_p": 0.05] && asVLLM["adjustments"] == [], "\(asVLLM)")
            let clamped = try await client.call(.post, "/api/params/validate", token: ada,
                                                json: ["plugin_id": "openai", "preset": "vllm", "model": "m", "params": ["min_p": 3]]).body
            #expect(clamped["resolved_params"]?["min_p"] == 1, "the preset's range holds: \(clamped)")

            // A provider made from a preset keeps it, and its models are checked by its rules.
            let made = try await client.call(.post, "/api/providers/from-preset", token: ada, json: ["preset": "vllm"])
            #expect(made.status == .created && made.body["preset"] == "vllm", "\(made.body)")
            let id = try #require(made.body["id"]?.stringValue)
            let model = try await client.call(.post, "/api/providers/\(id)/models", token: ada,
                                              json: ["model_id": "llama", "params": ["top_k": 20, "repetition_penalty": 1.1]])
            #expect(model.status == .created, "\(model.body)")
            // An edit that does not mention the preset keeps it.
            let edited = try await client.call(.put, "/api/providers/\(id)", token: ada,
                                               json: ["slug": "vllm", "plugin_id": "openai", "base_url": "http://127.0.0.1:8001/v1", "display_name": "Box"])
            #expect(edited.status == .ok && edited.body["preset"] == "vllm" && edited.body["base_url"] == "http://127.0.0.1:8001/v1", "\(edited.body)")
            let export = try await client.call(.get, "/api/settings/export", token: ada).body
            #expect((export["providers"]?.arrayValue ?? []).contains { $0["slug"] == "vllm" && $0["preset"] == "vllm" }, "exported with its preset")
            // A preset of another plugin is refused, naming the field and the choices.
            let wrong = try await client.call(.post, "/api/providers", token: ada,
                                              json: ["slug": "x", "plugin_id": "anthropic", "base_url": "https://api.anthropic.com/v1", "preset": "vllm"])
            #expect(wrong.status == .unprocessableContent && wrong.body["error"]?["code"] == "invalid_preset", "\(wrong.body)")
            #expect(wrong.body["error"]?["message"]?.stringValue?.contains("it has: anthropic") == true, "\(wrong.body)")
        }
        await studio.close()
    }

    /// config.yaml: `preset:` fills plugin, base URL and key variable; the preset's rules
    /// decide what is sent; an unknown preset or another plugin's is a problem in words.
    @Test func presetsInConfigYAML() throws {
        let config = try StudioConfig(yaml: """
            providers:
              - id: local
                preset: vllm
                base_url: simulator
                params: {top_k: 40}
                models: [{id: sim-fast}]
              - id: plain
                plugin: openai
                base_url: simulator
                params: {top_k: 40}
                models: [{id: sim-fast}]
              - id: unknown
                preset: nope
                models: [{id: m}]
              - id: mismatched
                preset: vllm
                plugin: anthropic
                base_url: simulator
                models: [{id: m}]
            """)
        #expect(config.providers[0].plugin.isEmpty && config.providers[0].preset == "vllm")
        #expect(throws: StudioConfig.Invalid.self) { try StudioConfig(yaml: "providers:\n  - id: x\n    models: [{id: m}]\n") }
        let resolved = TargetResolver.resolve(config: config, registry: TestStudio.builtPlugins, simulatorBaseURL: "http://127.0.0.1:9",
                                              environment: [:])
        let local = try #require(resolved.targets.first { $0.providerID == "local" })
        #expect(local.params["top_k"] == 40)
        let plain = try #require(resolved.targets.first { $0.providerID == "plain" })
        #expect(plain.params["top_k"] == nil && resolved.notes.contains { $0.contains("plain/sim-fast: top_k dropped") })
        #expect(resolved.problems.contains { $0.contains("unknown: no loaded plugin offers the preset \"nope\"") }, "\(resolved.problems)")
        #expect(resolved.problems.contains { $0.contains("mismatched: the preset \"vllm\" belongs to plugin \"openai\"") }, "\(resolved.problems)")
    }

    /// `studio providers add --preset` as a user runs it: the entry lands at the end of the
    /// providers list with the file's comments kept; the added provider benchmarks; a
    /// duplicate id, an unknown preset and a missing --model are refused in words.
    @Test func providersAddWritesConfigYAML() throws {
        let dir = TestSupport.temporaryDirectory("providers-add")
        let file = dir.appendingPathComponent("config.yaml")
        let original = """
            # my benchmarks
            defaults:
              runs: 1
            providers:
              # the simulator, for a dry run
              - id: sim
                plugin: openai
                base_url: simulator
                models:
                  - id: sim-fast
            """
        try original.write(to: file, atomically: true, encoding: .utf8)
        let studio = TestSupport.studioExecutable
        let added = try TestSupport.run(studio, ["providers", "add", "--preset", "vllm", "--id", "box", "--base-url", "simulator",
                                                 "--model", "sim-ttft20-gap2-tok8", "--config", file.path])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stderr.contains("added provider box") && added.stderr.contains("preset vllm"))
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasPrefix(original) && text.contains("# the simulator, for a dry run"), "the file's own text is kept")
        #expect(text.contains("  - id: \"box\"\n    preset: \"vllm\"\n    base_url: \"simulator\"\n    models:\n      - id: \"sim-ttft20-gap2-tok8\"\n"))

        let bench = try TestSupport.run("/bin/sh", ["-c", "cd '\(dir.path)' && exec \"$0\" \"$@\"", studio, "bench", "--config", file.path,
                                                    "--only", "box", "--no-warmup", "--json"])
        #expect(bench.status == 0, "\(bench.stderr)")
        let runs = try JSONParser.parse(bench.stdout)["runs"]?.arrayValue ?? []
        #expect(runs.count == 1 && runs.first?["ok"] == true && runs.first?["output_tokens"] == 8, "\(bench.stdout)")

        let duplicate = try TestSupport.run(studio, ["providers", "add", "--preset", "vllm", "--id", "box", "--model", "m", "--config", file.path])
        #expect(duplicate.status == 1 && duplicate.stderr.contains("a provider \"box\" is already there"), "\(duplicate.stderr)")
        let unknown = try TestSupport.run(studio, ["providers", "add", "--preset", "nope", "--model", "m", "--config", file.path])
        #expect(unknown.status == 2 && unknown.stderr.contains("--preset: no preset \"nope\"") && unknown.stderr.contains("groq"))
        let noModel = try TestSupport.run(studio, ["providers", "add", "--preset", "groq", "--config", file.path])
        #expect(noModel.status == 2 && noModel.stderr.contains("--model is required"))
        #expect(try String(contentsOf: file, encoding: .utf8) == text, "refusals leave the file as it was")

        // A new file starts from the built-in configuration; presets are listed.
        let fresh = dir.appendingPathComponent("new.yaml")
        #expect(try TestSupport.run(studio, ["providers", "add", "--preset", "groq", "--model", "llama-3.3-70b-versatile", "--config", fresh.path]).status == 0)
        let parsed = try StudioConfig(yaml: try String(contentsOf: fresh, encoding: .utf8))
        #expect(parsed.providers.contains { $0.id == "sim-openai" } && parsed.providers.last?.preset == "groq")
        let listed = try TestSupport.run(studio, ["providers", "presets", "--json"])
        let presets = try JSONParser.parse(listed.stdout)["presets"]?.arrayValue ?? []
        #expect(presets.contains { $0["id"] == "fireworks" && $0["plugin_id"] == "openai" })
        #expect(presets.contains { $0["id"] == "bedrock-us-east-1" && $0["plugin_id"] == "bedrock" })
    }
}
