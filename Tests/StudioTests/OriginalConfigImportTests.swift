import Foundation
import HostConfig
import HostHTTP
import HostSimulator
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// Moving from the original: `studio config import` reads its config.yaml (LiteLLM-style
/// ids, its provider blocks; Tests/Fixtures/original-config) and writes ours — each prefix
/// a preset or plugin, every field carried over or named in a note, no literal key copied —
/// and the result benchmarks, or imports into a server account.
@Suite(.serialized) struct OriginalConfigImportTests {
    static let fixture = TestSupport.packageRoot.appendingPathComponent("Tests/Fixtures/original-config/config.yaml")

    @Test func everyFieldIsCarriedOverOrNamed() throws {
        let converted = try OriginalConfigImport.convert(try String(contentsOf: Self.fixture, encoding: .utf8))
        let config = try StudioConfig(yaml: converted.yaml)
        #expect(converted.providers == 7 && converted.models == 8)
        #expect(config.defaults.maxTokens == 512 && config.defaults.contextTiers == [0, 1000, 5000])
        #expect(config.defaults.prompt == "Explain how a hash map handles collisions.\nGive a short example in Python.\n")
        func provider(_ id: String) throws -> StudioConfig.Provider { try #require(config.providers.first { $0.id == id }, "\(id)") }

        // zai/ → the openai plugin at the given api_base; the prefix leaves the model id.
        let glm = try provider("glm_coding")
        #expect(glm.plugin == "openai" && glm.baseURL == "https://api.z.ai/api/coding/paas/v4" && glm.apiKeyEnv == "ZAI_API_KEY")
        #expect(glm.models.first?.id == "glm-4.6" && glm.models.first?.maxOutput == 8000 && glm.models.first?.contextWindow == 200000)
        // lm_studio/ → the lmstudio preset at its api_base; the literal key is not copied.
        let desk = try provider("desk_lmstudio")
        #expect(desk.preset == "lmstudio" && desk.baseURL == "http://127.0.0.1:8090/v1" && desk.apiKeyEnv == nil)
        #expect(desk.models.first?.id == "qwen/qwen3-8b", "only the LiteLLM prefix goes")
        #expect(!converted.yaml.contains("lm-studio-not-a-real-key") && !converted.notes.joined().contains("lm-studio-not-a-real-key"))
        #expect(converted.notes.contains { $0.contains("desk_lmstudio.api_key") && $0.contains("api_key_env") })
        // No prefix → OpenAI; skip_params, prices, system prompt, extra keys as parameters.
        let openai = try provider("openai")
        #expect(openai.preset == "openai" && openai.models.map(\.id) == ["gpt-5-mini", "gpt-4.1-mini"])
        #expect(openai.models[0].skipParams == ["temperature"] && openai.models[0].params == ["reasoning_effort": "low"])
        #expect(openai.models[1].priceIn == 0.4 && openai.models[1].priceOut == 1.6 && openai.models[1].systemPrompt == "Answer in one paragraph.")
        #expect(try provider("claude").preset == "anthropic" && (try provider("claude")).models.first?.id == "claude-haiku-4-5")
        // One block naming two LiteLLM providers becomes two providers.
        #expect(try provider("fast_open-groq").preset == "groq" && (try provider("fast_open-together_ai")).preset == "together")
        #expect(try provider("fast_open-together_ai").models.first?.id == "meta-llama/Llama-3.3-70B-Instruct-Turbo")
        // An unknown LiteLLM provider: OpenAI-compatible, with a base URL to set.
        #expect(try provider("mystery").plugin == "openai" && converted.notes.contains { $0.contains("\"nscale\"") && $0.contains("set its base_url") })
        #expect(converted.notes.contains { $0.contains("prompt_templates: 2 templates left out") })

        // Not the original's format, or no providers: refused in words.
        #expect(throws: OriginalConfigImport.Invalid.self) { try OriginalConfigImport.convert(StudioConfig.defaultYAML) }
        #expect(throws: OriginalConfigImport.Invalid.self) { try OriginalConfigImport.convert("defaults: {max_tokens: 5}\n") }
    }

    /// As a user runs it: import into config.yaml, then benchmark the imported LM Studio
    /// provider (here the simulator at its api_base); the settings form imports into a
    /// server account with the presets kept.
    @Test func theImportedConfigurationRuns() async throws {
        let simulator = try await EmbeddedSimulator.start()
        defer { Task { await simulator.stop() } }
        let dir = TestSupport.temporaryDirectory("original-import")
        let original = dir.appendingPathComponent("original.yaml")
        let port = simulator.baseURL.split(separator: ":").last.map(String.init) ?? ""
        try String(contentsOf: Self.fixture, encoding: .utf8).replacingOccurrences(of: "127.0.0.1:8090", with: "127.0.0.1:\(port)")
            .write(to: original, atomically: true, encoding: .utf8)
        let studio = TestSupport.studioExecutable
        let out = dir.appendingPathComponent("config.yaml")
        let imported = try TestSupport.run(studio, ["config", "import", original.path, "--out", out.path])
        #expect(imported.status == 0 && imported.stderr.contains("imported 7 providers and 8 models"), "\(imported.stderr)")
        #expect(try TestSupport.run(studio, ["config", "import", original.path, "--out", out.path]).status == 1, "an existing file needs --force")

        // The qwen model of the desk LM Studio is the simulator's: 'qwen/qwen3-8b' streams its default schedule.
        let bench = try TestSupport.run("/bin/sh", ["-c", "cd '\(dir.path)' && exec \"$0\" \"$@\"", studio, "bench", "--config", out.path,
                                                    "--only", "desk_lmstudio", "--runs", "1", "--no-warmup", "--context-tiers", "0", "--json"])
        #expect(bench.status == 0, "\(bench.stderr)")
        let runs = try JSONParser.parse(bench.stdout)["runs"]?.arrayValue ?? []
        #expect(runs.count == 1 && runs.first?["ok"] == true, "\(bench.stdout)")

        let settings = try TestSupport.run(studio, ["config", "import", original.path, "--format", "settings", "--out", "-"])
        #expect(settings.status == 0, "\(settings.stderr)")
        let document = try JSONParser.parse(settings.stdout)
        let server = try await TestStudio.make(.sqlite)
        try await server.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            // The document names the simulator's loopback port, which a server refuses by
            // default: the import says which provider, and stores nothing.
            let refused = try await client.call(.post, "/api/settings/import", token: ada, json: document)
            #expect(refused.status == .unprocessableContent && (refused.body["error"]?["message"]?.stringValue ?? "").contains("providers[1].base_url"), "\(refused.body)")
            var providers = document["providers"]?.arrayValue ?? []
            providers.remove(at: 1)
            let accepted = try await client.call(.post, "/api/settings/import", token: ada,
                                                 json: ["format": "studio-settings", "version": 1, "providers": .array(providers), "settings": [:]])
            #expect(accepted.status == .ok && accepted.body["imported"]?["providers"] == 6, "\(accepted.body)")
            let listed = try await client.call(.get, "/api/providers", token: ada).body
            let groq = (listed["providers"]?.arrayValue ?? listed.arrayValue ?? []).first { $0["slug"] == "fast_open-groq" }
            #expect(groq?["preset"] == "groq" && groq?["plugin_id"] == "openai" && groq?["base_url"] == "https://api.groq.com/openai/v1", "\(listed)")
        }
        await server.close()
    }
}
