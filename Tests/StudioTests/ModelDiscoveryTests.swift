import Foundation
import HostHTTP
import HostSimulator
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// "List models" and "test connection" (`GET /api/providers/{id}/available-models`):
/// through each plugin's model-list functions, with the user's key, under the SSRF
/// policy; failures in plain words with the class and the provider's message apart.
@Suite(.serialized) struct ModelDiscoveryTests {
    @Test func listsEachProvidersModelsAndSaysWhyWhenItCannot() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            try await JobsHTTPTests.addSimulatorModel(client, ada, "sim-fast")
            let providers = try await client.call(.get, "/api/providers", token: ada).body["providers"]?.arrayValue ?? []
            func id(_ slug: String) throws -> String { try #require(providers.first { $0["slug"] == .string(slug) }?["id"]?.stringValue) }

            // OpenAI's /v1/models and Gemini's models, as the simulator lists them; the ones
            // already added are marked.
            let openai = try await client.call(.get, "/api/providers/\(try id("sim-openai"))/available-models", token: ada).body
            let listed = openai["models"]?.arrayValue ?? []
            #expect(openai["ok"] == true && listed.count >= 2, "\(openai)")
            #expect(listed.first { $0["id"] == "sim-fast" }?["added"] == true, "a model already added is marked")
            #expect(listed.contains { $0["added"] == false })
            let gemini = try await client.call(.get, "/api/providers/\(try id("sim-gemini"))/available-models", token: ada).body
            #expect(gemini["ok"] == true && (gemini["models"]?.arrayValue?.isEmpty == false), "\(gemini)")

            // Ollama's /api/tags, for a provider the user adds.
            let created = try await client.call(.post, "/api/providers", token: ada,
                                                json: ["slug": "sim-ollama", "plugin_id": "ollama", "base_url": "simulator", "display_name": "Ollama"])
            #expect(created.status == .created, "\(created.body)")
            let ollamaID = try #require(created.body["id"]?.stringValue)
            let ollama = try await client.call(.get, "/api/providers/\(ollamaID)/available-models", token: ada).body
            #expect(ollama["ok"] == true && ollama["models"]?.arrayValue?.count == listed.count, "\(ollama)")

            // A base URL with no model list there: a 404 in words, the provider's message as the detail.
            let wrong = try await client.call(.post, "/api/providers", token: ada,
                                              json: ["slug": "wrong-path", "plugin_id": "ollama", "base_url": .string(simulator.baseURL + "/nothing-here")])
            if wrong.status == .created, let wrongID = wrong.body["id"]?.stringValue {
                let answer = try await client.call(.get, "/api/providers/\(wrongID)/available-models", token: ada).body
                #expect(answer["ok"] == false && answer["error_class"] == "http_404", "\(answer)")
                #expect((answer["message"]?.stringValue ?? "").contains("Check the base URL"), "\(answer)")
            } else {
                // Loopback base URLs are refused when local endpoints are not allowed: named.
                #expect(wrong.status == .unprocessableContent, "\(wrong.body)")
            }

            // Another user's provider does not exist for them.
            let bob = try await client.register("bob@example.com")
            #expect(try await client.call(.get, "/api/providers/\(ollamaID)/available-models", token: bob).status == .notFound)
        }
        await studio.close()
        await simulator.stop()
    }
}

/// `studio models`, as a user runs it: the list, and a failed connection said in words with exit 1.
@Suite struct ModelsCommandTests {
    @Test func listsModelsOrSaysWhyNot() throws {
        let studio = TestSupport.studioExecutable
        let listed = try TestSupport.run(studio, ["models", "--provider", "ollama", "--base-url", "simulator", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let answer = try JSONParser.parse(listed.stdout)
        #expect(answer["ok"] == true && (answer["models"]?.arrayValue ?? []).contains { $0["id"] == "sim-fast" }, "\(answer)")
        let refused = try TestSupport.run(studio, ["models", "--provider", "openai", "--base-url", "http://127.0.0.1:9/v1"])
        #expect(refused.status == 1 && refused.stderr.contains("cannot list models (network)"), "\(refused.stderr)")
        let usage = try TestSupport.run(studio, ["models", "--provider", "openai"])
        #expect(usage.status == 64 || usage.status == 2, "--provider without --base-url is a usage error: \(usage.status)")
    }
}

/// Presets: the loaded plugins' ready-made providers, added in one step.
@Suite struct ProviderPresetTests {
    @Test func addingAKnownProviderInOneStep() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let presets = try await client.call(.get, "/api/providers/presets", token: ada).body["presets"]?.arrayValue ?? []
            let groq = try #require(presets.first { $0["id"] == "groq" })
            #expect(groq["plugin_id"] == "openai" && groq["key_env"] == "GROQ_API_KEY" && groq["local"] == false)
            #expect(presets.contains { $0["id"] == "ollama-native" && $0["plugin_id"] == "ollama" && $0["local"] == true })

            let added = try await client.call(.post, "/api/providers/from-preset", token: ada, json: ["preset": "groq"])
            #expect(added.status == .created, "\(added.body)")
            #expect(added.body["slug"] == "groq" && added.body["plugin_id"] == "openai"
                    && added.body["base_url"] == "https://api.groq.com/openai/v1" && added.body["api_key_env"] == "GROQ_API_KEY")
            // The same preset twice needs another id; a named one is added.
            let again = try await client.call(.post, "/api/providers/from-preset", token: ada, json: ["preset": "groq"])
            #expect(again.status == .conflict && again.body["error"]?["code"] == "duplicate_slug", "\(again.body)")
            #expect(try await client.call(.post, "/api/providers/from-preset", token: ada, json: ["preset": "groq", "slug": "groq-eu"]).status == .created)
            // An unknown preset names the field and the choices.
            let unknown = try await client.call(.post, "/api/providers/from-preset", token: ada, json: ["preset": "nope"])
            #expect(unknown.status == .unprocessableContent && (unknown.body["error"]?["message"]?.stringValue ?? "").contains("groq"), "\(unknown.body)")
            // A local server's preset goes through the same SSRF policy as any base URL.
            let local = try await client.call(.post, "/api/providers/from-preset", token: ada, json: ["preset": "vllm"])
            #expect(local.status == .unprocessableContent && local.body["error"]?["code"] == "invalid_base_url", "\(local.body)")
        }
        await studio.close()
    }
}
