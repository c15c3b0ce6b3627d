import Foundation
import HTTPTypes
import HostAuth
import HostConfig
import HostHTTP
import HostStorage
import HostTransport
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Synchronization
import Testing

/// Per-user providers and models, the SSRF policy on base URLs, parameter routes and
/// settings export/import (docs/configuration.md), on SQLite and PostgreSQL.
@Suite struct ConfigHTTPTests {
    @Test(arguments: TestDatabase.allCases)
    func newUsersAreSeededAndEditTheirOwnProviders(kind: TestDatabase) async throws {
        let studio = try await TestStudio.make(kind)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            // Seeded from the built-in configuration: the simulator provider and its models.
            let seeded = try await client.call(.get, "/api/providers", token: ada).body["providers"]?.arrayValue ?? []
            let builtIn = StudioConfig.builtIn.providers
            #expect(seeded.map { $0["slug"]?.stringValue } == builtIn.map(\.id))
            #expect(seeded.first?["models"]?.arrayValue?.count == builtIn.first?.models.count)
            #expect(seeded.first?["base_url"] == "simulator")

            let created = try await client.call(.post, "/api/providers", token: ada, json: [
                "slug": "public-openai", "plugin_id": "openai", "base_url": "https://93.184.216.34/v1",
                "display_name": "Public", "default_params": ["temperature": 0.5]])
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.body["id"]?.stringValue)
            #expect(created.body["default_params"]?["temperature"] == 0.5)

            // Conflicts and refusals name the field.
            let duplicate = try await client.call(.post, "/api/providers", token: ada, json: [
                "slug": "public-openai", "plugin_id": "openai", "base_url": "https://93.184.216.34/v1"])
            #expect(duplicate.status == .conflict && duplicate.body["error"]?["code"] == "duplicate_slug")
            let unknownPlugin = try await client.call(.post, "/api/providers", token: ada, json: [
                "slug": "x", "plugin_id": "no-such-plugin", "base_url": "https://93.184.216.34/v1"])
            #expect(unknownPlugin.status == .unprocessableContent && unknownPlugin.body["error"]?["code"] == "invalid_plugin_id")
            let notURL = try await client.call(.post, "/api/providers", token: ada, json: [
                "slug": "x", "plugin_id": "openai", "base_url": "ftp://example.com"])
            #expect(notURL.status == .unprocessableContent && notURL.body["error"]?["code"] == "invalid_base_url")

            // Models: add, update, duplicate, delete.
            let model = try await client.call(.post, "/api/providers/\(id)/models", token: ada, json: [
                "model_id": "gpt-4o", "price_in": 2.5, "price_out": 10, "context_window": 128000, "skip_params": ["seed"]])
            #expect(model.status == .created, "\(model.body)")
            let modelID = try #require(model.body["id"]?.stringValue)
            #expect(model.body["price_out"]?.doubleValue == 10 && model.body["skip_params"] == ["seed"])
            let again = try await client.call(.post, "/api/providers/\(id)/models", token: ada, json: ["model_id": "gpt-4o"])
            #expect(again.status == .conflict)
            let updated = try await client.call(.put, "/api/models/\(modelID)", token: ada, json: ["model_id": "gpt-4o", "price_in": 3])
            #expect(updated.status == .ok && updated.body["price_in"]?.doubleValue == 3 && updated.body["price_out"] == .null)
            let edited = try await client.call(.put, "/api/providers/\(id)", token: ada, json: [
                "slug": "public-openai", "plugin_id": "openai", "base_url": "https://93.184.216.35/v1"])
            #expect(edited.status == .ok && edited.body["base_url"] == "https://93.184.216.35/v1")
            #expect(edited.body["models"]?.arrayValue?.count == 1)
            #expect(try await client.call(.delete, "/api/models/\(modelID)", token: ada).status == .noContent)
            #expect(try await client.call(.delete, "/api/models/\(modelID)", token: ada).status == .notFound)
            #expect(try await client.call(.delete, "/api/providers/\(id)", token: ada).status == .noContent)
            let audit = try await studio.services.accounts.audit.search(action: "provider.")
            #expect(Set(audit.map(\.action)) == ["provider.create", "provider.update", "provider.delete"])
        }
        await studio.close()
    }

    @Test func baseURLsPassTheSSRFPolicy() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            for url in ["http://127.0.0.1:11434/v1", "http://localhost:8000/v1", "http://10.1.2.3/v1", "http://192.168.1.10/v1",
                        "http://169.254.169.254/latest", "http://[::1]:8080/v1", "http://[fd00::1]/v1", "http://0.0.0.0/v1",
                        "http://100.64.0.1/v1", "https://user:pass@93.184.216.34/v1"] {
                let r = try await client.call(.post, "/api/providers", token: ada, json: ["slug": "local", "plugin_id": "openai", "base_url": .string(url)])
                #expect(r.status == .unprocessableContent, "\(url) should be refused: \(r.status)")
                #expect(r.body["error"]?["code"] == "invalid_base_url")
            }
            #expect(try await studio.services.providers.provider(userID: try #require(try await studio.services.accounts.users.find(email: "ada@example.com")).id,
                                                                 slug: "local") == nil)
        }
        await studio.close()
        // An admin who allows local endpoints (Ollama, vLLM on the same host) lets them in.
        let local = try await TestStudio.make(.sqlite, options: .init(allowLocalEndpoints: true))
        try await local.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let r = try await client.call(.post, "/api/providers", token: ada, json: ["slug": "ollama", "plugin_id": "openai", "base_url": "http://127.0.0.1:11434/v1"])
            #expect(r.status == .created)
        }
        await local.close()
        // The simulator's own address is exempt even when local endpoints are not allowed.
        let policy = AddressPolicy.standard(allowLocal: false, alwaysAllowed: ["127.0.0.1:4010"])
        #expect(await policy.refusal(forURL: "http://127.0.0.1:4010/v1") == nil)
        #expect(await policy.refusal(forURL: "http://127.0.0.1:4011/v1") != nil)
        // A simulator on IPv6 loopback is exempt too (its URL was split at the first colon).
        let six = try await TestStudio.make(.sqlite, options: .init(simulatorURL: "http://[::1]:4010"))
        #expect(await six.services.addressPolicy.refusal(forURL: "http://[::1]:4010/v1") == nil)
        #expect(await six.services.addressPolicy.refusal(forURL: "http://[::1]:4011/v1") != nil)
        await six.close()
        // Saved base URLs are read by the transport's own parser.
        #expect(await policy.refusal(forURL: "http://user:pw@93.184.216.34/v1") == "must not contain credentials")
        for bad in ["ftp://93.184.216.34", "http://", "http://:80/v1", "http://93.184.216.34:99999/v1", "http://[::1/v1", "http://[::1]x/v1"] {
            #expect(await policy.refusal(forURL: bad) == "must be an http:// or https:// URL with a host", "\(bad)")
        }
        let target = try RequestTarget(url: "https://[2606:4700::1111]:8443/v1/chat?x=1")
        #expect(target.host == "2606:4700::1111" && target.port == 8443 && target.tls && target.pathAndQuery == "/v1/chat?x=1")
        #expect(target.hostHeader == "[2606:4700::1111]:8443")
    }

    @Test func parameterRegistryAndValidation() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let registry = try await client.call(.get, "/api/params/registry", token: ada).body
            #expect(registry["providers"]?["openai"]?["params"]?["temperature"] != nil)
            #expect(registry["providers"]?["anthropic"]?["params"]?["top_k"] != nil)
            let result = try await client.call(.post, "/api/params/validate", token: ada, json: [
                "plugin_id": "anthropic", "model": "claude-3-5-sonnet", "params": ["temperature": 1.7, "top_k": 40]])
            #expect(result.status == .ok)
            let adjustment = result.body["adjustments"]?.arrayValue?.first { $0["param"] == "temperature" }
            #expect(adjustment?["action"] == "clamped" && adjustment?["adjusted"]?.doubleValue == 1)
            #expect(result.body["resolved_params"]?["temperature"]?.doubleValue == 1)
            let unknown = try await client.call(.post, "/api/params/validate", token: ada, json: ["plugin_id": "nope", "model": "m", "params": [:]])
            #expect(unknown.status == .unprocessableContent)
        }
        await studio.close()
    }

    @Test(arguments: TestDatabase.allCases)
    func settingsExportImportRoundTripWithoutSecrets(kind: TestDatabase) async throws {
        let studio = try await TestStudio.make(kind)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let bob = try await client.register("bob@example.com")
            let p = try await client.call(.post, "/api/providers", token: ada, json: [
                "slug": "edge", "plugin_id": "openai", "base_url": "https://93.184.216.34/v1", "api_key_env": "EDGE_KEY"])
            let pid = try #require(p.body["id"]?.stringValue)
            _ = try await client.call(.post, "/api/providers/\(pid)/models", token: ada, json: ["model_id": "edge-large", "price_in": 1.25,
                                                                                               "system_prompt": "Be brief."])
            _ = try await client.call(.put, "/api/keys/edge", token: ada, json: ["api_key": "sk-edge-topsecret-4242"])
            let exported = try await client.call(.get, "/api/settings/export", token: ada)
            #expect(exported.status == .ok)
            #expect(!exported.body.jsonString.contains("topsecret"), "an export never carries keys")
            #expect(exported.body["format"] == "studio-settings" && exported.body["version"] == 1)

            // A bad document changes nothing: bob keeps his seeded configuration.
            let bobBefore = try await client.call(.get, "/api/providers", token: bob).body
            var bad = exported.body.objectValue!
            var providers = bad["providers"]!.arrayValue!
            providers.append(["slug": "evil", "plugin_id": "openai", "base_url": "http://169.254.169.254/"])
            bad["providers"] = .array(providers)
            let refused = try await client.call(.post, "/api/settings/import", token: bob, json: .object(bad))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.body["error"]?["message"]?.stringValue?.hasPrefix("providers[\(providers.count - 1)].base_url") == true, "\(refused.body)")
            #expect(try await client.call(.get, "/api/providers", token: bob).body == bobBefore)

            // The good document gives bob the same configuration (new ids, same content).
            let imported = try await client.call(.post, "/api/settings/import", token: bob, json: exported.body)
            #expect(imported.status == .ok, "\(imported.body)")
            let again = try await client.call(.get, "/api/settings/export", token: bob).body
            #expect(again["providers"] == exported.body["providers"])
            // Keys stay with their owner.
            #expect(try await client.call(.get, "/api/keys", token: bob).body["keys"]?.arrayValue?.isEmpty == true)

            // 200 providers named by host: no name lookup each at import (the SSRF check on
            // names runs at connect time); literals and localhost names are still refused.
            let many: [JSONValue] = (0..<200).map { i in
                ["slug": .string("p\(i)"), "plugin_id": "openai", "base_url": .string("https://api-\(i).provider-\(i).invalid/v1")]
            }
            let started = Date()
            let lookupsBefore = NameResolver.lookups.load(ordering: .relaxed)
            let big = try await client.call(.post, "/api/settings/import", token: bob,
                                            json: ["format": "studio-settings", "version": 1, "providers": .array(many), "settings": [:]])
            #expect(big.status == .ok, "\(big.body)")
            // With a lookup each it took 36 s on a machine whose resolver is slow; alone
            // it takes 0.13 s (SQLite) and 0.74 s (PostgreSQL) in a debug build. The bound is loose (parallel suites, the
            // PostgreSQL leg); the lookup count is the check. Other suites may look names
            // up meanwhile; a lookup per provider would be 200 or more.
            #expect(Date().timeIntervalSince(started) < 10, "importing 200 providers took \(Date().timeIntervalSince(started)) s")
            #expect(NameResolver.lookups.load(ordering: .relaxed) - lookupsBefore < 50)
            for local in ["http://localhost:8080/v1", "http://db.localhost/v1", "http://10.1.2.3/v1"] {
                let refusedLocal = try await client.call(.post, "/api/settings/import", token: bob, json: [
                    "format": "studio-settings", "version": 1, "settings": [:],
                    "providers": [["slug": "local", "plugin_id": "openai", "base_url": .string(local)]]])
                #expect(refusedLocal.status == .unprocessableContent, "\(local)")
                #expect(refusedLocal.body["error"]?["message"]?.stringValue?.hasPrefix("providers[0].base_url") == true, "\(refusedLocal.body)")
            }
        }
        await studio.close()
    }
}
