import Foundation
import HostAuth
import HostBenchmark
import HostJobs
import HostMeasurement
import HostParams
import HostPlugins
import HostProviderCalls
import HostStorage
import HostTransport
import Hummingbird
import StudioJSON

/// A user's providers and models, parameter validation and settings export/import
/// (docs/configuration.md, docs/api.md). Every query is scoped to the caller; another user's provider or
/// model answers 404 exactly like a missing one. Changes are audited.
struct ConfigController {
    let providers: ProviderStore
    let settings: UserSettingsStore
    let catalog: PluginCatalog
    let addressPolicy: AddressPolicy
    let auditLog: AuditLog
    /// Model discovery: the user's providers with their keys, and the transport (SSRF policy) it calls through.
    let configuration: UserConfiguration
    let transport: Transport
    let simulatorURL: String?

    // The bodies, declared once: the route table enforces them, the OpenAPI document
    // shows them, the bad-input tests are generated from them.
    static let providerSchema = Schema.object([
        ("slug", Schema.string(min: 1, max: 64, pattern: "^[A-Za-z0-9_-]+$")),
        ("plugin_id", Schema.name(min: 1, max: 128)),
        ("base_url", Schema.name(min: 1, max: 2000)),
        ("display_name", Schema.name(min: 1, max: 200)),
        ("default_params", Schema.anyObject),
        ("api_key_env", ["type": ["string", "null"], "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "maxLength": 128]),
        ("preset", Schema.nullableString(max: 64)),
    ], required: ["slug", "plugin_id", "base_url"])
    static let providerExample: JSONValue = ["slug": "my-openai", "plugin_id": "openai", "base_url": "https://api.openai.com/v1",
                                              "display_name": "OpenAI", "default_params": ["temperature": 0.7],
                                              "api_key_env": "OPENAI_API_KEY"]
    static let modelSchema = Schema.object([
        ("model_id", Schema.name(min: 1, max: 200)),
        ("display_name", Schema.nullableString(max: 200)),
        ("context_window", Schema.integer(1...100_000_000, nullable: true)),
        ("max_output", Schema.integer(1...100_000_000, nullable: true)),
        ("price_in", Schema.number(min: 0, max: 1_000_000, nullable: true)),
        ("price_out", Schema.number(min: 0, max: 1_000_000, nullable: true)),
        ("system_prompt", Schema.nullableString(max: 100_000)),
        ("skip_params", Schema.array(Schema.name(min: 1, max: 64), max: 64)),
        ("params", Schema.anyObject),
    ], required: ["model_id"])
    static let modelExample: JSONValue = ["model_id": "gpt-4o-mini", "display_name": "GPT-4o mini", "context_window": 128000,
                                           "max_output": 16384, "price_in": 0.15, "price_out": 0.6, "system_prompt": nil,
                                           "skip_params": [], "params": [:]]

    static var settingsSchema: JSONValue {
        var provider = providerSchema.objectValue!
        var properties = provider["properties"]!.objectValue!
        properties["models"] = Schema.array(modelSchema, max: 1000)
        provider["properties"] = .object(properties)
        return Schema.object([
            ("format", ["const": "studio-settings"]),
            ("version", ["const": 1]),
            ("exported_at", Schema.string(max: 64)),
            ("providers", Schema.array(.object(provider), max: 200)),
            ("settings", ["type": "object", "additionalProperties": ["type": ["object", "array", "string", "number", "boolean", "null"]]]),
        ], required: ["format", "version", "providers"])
    }

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/providers", "List your providers with their models") { _, context, _ in
            let user = context.identity.userID
            let providers = try await providers.providers(userID: user)
            let models = try await self.providers.models(userID: user)
            return Response.json(["providers": .array(try providers.map { p in
                try Self.providerJSON(p, models: models.filter { $0.providerID == p.id })
            })])
        }
        routes.user(.post, "/api/providers", "Add a provider endpoint",
                    body: RequestBody(schema: Self.providerSchema, example: Self.providerExample), success: .created) { _, context, body in
            let fields = try await checkedProvider(body)
            let record = try await mapStore { try await providers.createProvider(userID: context.identity.userID, fields) }
            try await audit(context, "provider.create", record.slug)
            return Response.json(try Self.providerJSON(record, models: []), status: .created)
        }
        routes.user(.get, "/api/providers/presets", "Ready-made providers the loaded plugins know (Groq, Together, vLLM, Ollama, …)") { _, _, _ in
            Response.json(["presets": .array(catalog.current.presets.map(\.json))])
        }
        routes.user(.post, "/api/providers/from-preset", "Add a provider from a preset in one step (its plugin, base URL and key variable)",
                    body: RequestBody(schema: Self.presetSchema, example: ["preset": "groq"]), success: .created) { _, context, body in
            let id = try body.requiredString("preset")
            let presets = catalog.current.presets
            guard let preset = presets.first(where: { $0.id == id }) else {
                throw APIError.unprocessable("preset", "no preset \"\(id)\" (there are: \(presets.map(\.id).joined(separator: ", ")))")
            }
            var fields: JSONObject = ["slug": body["slug"] ?? .string(preset.id), "plugin_id": .string(preset.pluginID),
                                      "base_url": .string(preset.baseURL), "display_name": .string(preset.name),
                                      "preset": .string(preset.id)]
            if let variable = preset.keyEnv { fields["api_key_env"] = .string(variable) }
            let checked = try await checkedProvider(.object(fields))
            let record = try await mapStore { try await providers.createProvider(userID: context.identity.userID, checked) }
            try await audit(context, "provider.create", record.slug)
            return Response.json(try Self.providerJSON(record, models: []), status: .created)
        }
        routes.user(.put, "/api/providers/{id}", "Replace a provider's settings",
                    body: RequestBody(schema: Self.providerSchema, example: Self.providerExample), owned: "provider") { _, context, body in
            let id = try context.parameters.require("id")
            guard let existing = try await providers.provider(userID: context.identity.userID, id: id) else { throw APIError.notFound }
            // A body that does not mention the preset keeps it (an edit form that predates
            // presets, say); "preset": null clears it.
            var body = body
            if body["preset"] == nil, let preset = existing.preset, var object = body.objectValue, existing.pluginID == body["plugin_id"]?.stringValue {
                object["preset"] = .string(preset)
                body = .object(object)
            }
            let fields = try await checkedProvider(body)
            guard let record = try await mapStore({ try await providers.updateProvider(userID: context.identity.userID, id: id, fields) })
            else { throw APIError.notFound }
            try await audit(context, "provider.update", record.slug)
            let models = try await providers.models(userID: context.identity.userID).filter { $0.providerID == id }
            return Response.json(try Self.providerJSON(record, models: models))
        }
        routes.user(.delete, "/api/providers/{id}", "Delete a provider and its models", owned: "provider", success: .noContent) { _, context, _ in
            let id = try context.parameters.require("id")
            guard try await providers.deleteProvider(userID: context.identity.userID, id: id) else { throw APIError.notFound }
            try await audit(context, "provider.delete", id)
            return Response(status: .noContent)
        }
        routes.user(.post, "/api/providers/{id}/models", "Add a model to a provider",
                    body: RequestBody(schema: Self.modelSchema, example: Self.modelExample), owned: "provider", success: .created) { _, context, body in
            let id = try context.parameters.require("id")
            guard let provider = try await providers.provider(userID: context.identity.userID, id: id) else { throw APIError.notFound }
            let model = try checkedModel(body, pluginID: provider.pluginID, preset: provider.preset)
            guard let record = try await mapStore({ try await providers.createModel(userID: context.identity.userID, providerID: id, model) })
            else { throw APIError.notFound }
            try await audit(context, "model.create", "\(provider.slug)/\(record.modelID)")
            return Response.json(try Self.modelJSON(record), status: .created)
        }
        routes.user(.put, "/api/models/{id}", "Replace a model's settings",
                    body: RequestBody(schema: Self.modelSchema, example: Self.modelExample), owned: "model") { _, context, body in
            let user = context.identity.userID
            let id = try context.parameters.require("id")
            guard let current = try await providers.model(userID: user, id: id),
                  let provider = try await providers.provider(userID: user, id: current.providerID) else { throw APIError.notFound }
            let model = try checkedModel(body, pluginID: provider.pluginID, preset: provider.preset)
            guard let record = try await mapStore({ try await providers.updateModel(userID: user, id: id, model) }) else { throw APIError.notFound }
            try await audit(context, "model.update", "\(provider.slug)/\(record.modelID)")
            return Response.json(try Self.modelJSON(record))
        }
        routes.user(.delete, "/api/models/{id}", "Delete a model", owned: "model", success: .noContent) { _, context, _ in
            let id = try context.parameters.require("id")
            guard try await providers.deleteModel(userID: context.identity.userID, id: id) else { throw APIError.notFound }
            try await audit(context, "model.delete", id)
            return Response(status: .noContent)
        }

        routes.user(.get, "/api/providers/{id}/available-models",
                    "List the models the provider offers (its model-list endpoint, with your key); also tests the connection",
                    owned: "provider") { _, context, _ in
            let user = context.identity.userID
            let id = try context.parameters.require("id")
            guard let resolved = try await configuration.endpoint(userID: user, providerID: id, registry: catalog.current,
                                                                  simulatorURL: simulatorURL) else { throw APIError.notFound }
            let added = Set(try await self.providers.models(userID: user).filter { $0.providerID == id }.map(\.modelID))
            switch resolved {
            case .failure(let problem):
                return Response.json(Self.discoveryFailure("unavailable", problem.description))
            case .success(let endpoint):
                switch await ModelDiscovery.models(at: endpoint, transport: transport) {
                case .success(let models):
                    return Response.json(["ok": true, "models": .array(models.map { model in
                        var o = model.objectValue ?? [:]
                        o["added"] = .bool(model["id"]?.stringValue.map(added.contains) ?? false)
                        return .object(o)
                    })])
                case .failure(let failure):
                    return Response.json(Self.discoveryFailure(failure.errorClass, failure.message))
                }
            }
        }
        routes.user(.get, "/api/params/registry", "Parameters each provider plugin declares, with ranges and model rules") { _, _, _ in
            var registry = JSONObject()
            for plugin in catalog.current.plugins where plugin.kinds.contains("provider") {
                registry[plugin.id] = ["params": plugin.manifest.provider?["params"] ?? [:],
                                       "model_rules": plugin.manifest.provider?["model_rules"] ?? []]
            }
            return Response.json(["providers": .object(registry)])
        }
        routes.user(.post, "/api/params/validate", "Validate parameters for a plugin and model; returns every adjustment",
                    body: RequestBody(schema: Schema.object([("plugin_id", Schema.string(min: 1, max: 128)),
                                                             ("model", Schema.string(min: 1, max: 200)),
                                                             ("preset", Schema.nullableString(max: 64)),
                                                             ("params", Schema.anyObject)], required: ["plugin_id", "model", "params"]),
                                      example: ["plugin_id": "openai", "model": "o3-mini", "params": ["temperature": 0.2, "max_tokens": 512]])) { _, _, body in
            let pluginID = try body.requiredString("plugin_id")
            guard let plugin = catalog.current.provider(id: pluginID) else {
                throw APIError.unprocessable("plugin_id", "no provider plugin \"\(pluginID)\" is loaded")
            }
            let result = ParameterValidator(provider: plugin.providerRules(preset: body["preset"]?.stringValue))
                .validate(body["params"]?.objectValue ?? [:], model: try body.requiredString("model"))
            return Response.json(result.json)
        }

        routes.user(.get, "/api/settings/export", "Your providers, models and settings as one JSON document (no keys)") { _, context, _ in
            let user = context.identity.userID
            let providers = try await providers.providers(userID: user)
            let models = try await self.providers.models(userID: user)
            var settings = JSONObject()
            for (key, value) in try await self.settings.all(userID: user) {
                settings[key] = try StoredJSON.value(value, row: "your setting \(key)", column: "value")
            }
            let document: JSONValue = [
                "format": "studio-settings", "version": 1, "exported_at": .string(ISO8601.string(fromMilliseconds: Clock.milliseconds())),
                "providers": .array(try providers.map { p in
                    try Self.providerJSON(p, models: models.filter { $0.providerID == p.id }, withIDs: false)
                }),
                "settings": .object(settings),
            ]
            return Response.json(document)
        }
        routes.user(.post, "/api/settings/import", "Replace your providers, models and settings with an exported document",
                    body: RequestBody(schema: Self.settingsSchema,
                                      example: ["format": "studio-settings", "version": 1,
                                                "providers": [Self.providerExample.merging(["models": [Self.modelExample]])],
                                                "settings": [:]], limit: 4 << 20)) { _, context, body in
            // Everything is checked before anything is written; then one transaction.
            var rows: [(ProviderFields, [ModelRecord])] = []
            for (i, provider) in (body["providers"]?.arrayValue ?? []).enumerated() {
                let fields = try await prefixed("providers[\(i)]") { try await checkedProvider(provider, resolving: false) }
                var models: [ModelRecord] = []
                for (j, model) in (provider["models"]?.arrayValue ?? []).enumerated() {
                    models.append(try await prefixed("providers[\(i)].models[\(j)]") { try checkedModel(model, pluginID: fields.pluginID, preset: fields.preset) })
                }
                rows.append((fields, models))
            }
            let slugs = rows.map(\.0.slug)
            if let duplicate = slugs.first(where: { s in slugs.filter { $0 == s }.count > 1 }) {
                throw APIError.unprocessable("providers", "provider id \"\(duplicate)\" appears twice")
            }
            let user = context.identity.userID
            try await mapStore { try await providers.replaceAll(userID: user, with: rows) }
            for (key, value) in body["settings"]?.objectValue ?? [:] {
                try await settings.set(userID: user, key: key, value: value.jsonString)
            }
            try await audit(context, "settings.import", "\(rows.count) providers")
            return Response.json(["imported": ["providers": .int(Int64(rows.count)),
                                               "models": .int(Int64(rows.reduce(0) { $0 + $1.1.count }))]])
        }
    }

    // MARK: - Checks beyond the schema

    /// The plugin must be a loaded provider, the base URL pass the SSRF policy, the
    /// default parameters validate. `resolving: false` (an import of many): the base URL's
    /// host name is not looked up here, only at connect time (docs/security.md).
    func checkedProvider(_ body: JSONValue, resolving: Bool = true) async throws -> ProviderFields {
        let pluginID = try body.requiredString("plugin_id")
        guard let plugin = catalog.current.provider(id: pluginID) else {
            let loaded = catalog.current.plugins.filter { $0.kinds.contains("provider") }.map(\.id).joined(separator: ", ")
            throw APIError.unprocessable("plugin_id", "no provider plugin \"\(pluginID)\" is loaded (loaded: \(loaded))")
        }
        let baseURL = try body.requiredString("base_url")
        if baseURL != "simulator", let refusal = await addressPolicy.refusal(forURL: baseURL, resolving: resolving) {
            throw APIError.unprocessable("base_url", refusal)
        }
        // A preset names the server this provider is (vLLM, Groq, …): its parameter rules apply.
        let preset = body["preset"]?.stringValue
        if let preset, catalog.current.preset(id: preset)?.pluginID != pluginID {
            let offered = catalog.current.presets.filter { $0.pluginID == pluginID }.map(\.id)
            throw APIError.unprocessable("preset", "plugin \"\(pluginID)\" has no preset \"\(preset)\""
                                         + (offered.isEmpty ? "" : " (it has: \(offered.joined(separator: ", ")))"))
        }
        let params = body["default_params"]?.objectValue ?? [:]
        let check = ParameterValidator(provider: plugin.providerRules(preset: preset)).validate(params, model: "")
        if let error = check.errors.first { throw APIError.unprocessable("default_params", error) }
        let slug = try body.requiredString("slug")
        return ProviderFields(slug: slug, pluginID: pluginID, baseURL: baseURL,
                              displayName: body["display_name"]?.stringValue ?? slug,
                              defaultParams: JSONValue.object(params).jsonString, apiKeyEnv: body["api_key_env"]?.stringValue,
                              preset: preset)
    }

    func checkedModel(_ body: JSONValue, pluginID: String, preset: String?) throws -> ModelRecord {
        let modelID = try body.requiredString("model_id")
        let params = body["params"]?.objectValue ?? [:]
        if let plugin = catalog.current.provider(id: pluginID),
           let error = ParameterValidator(provider: plugin.providerRules(preset: preset)).validate(params, model: modelID).errors.first {
            throw APIError.unprocessable("params", error)
        }
        return ModelRecord(modelID: modelID, displayName: body["display_name"]?.stringValue,
                           contextWindow: body["context_window"]?.intValue.map(Int.init),
                           maxOutput: body["max_output"]?.intValue.map(Int.init),
                           priceIn: body["price_in"]?.doubleValue, priceOut: body["price_out"]?.doubleValue,
                           systemPrompt: body["system_prompt"]?.stringValue,
                           skipParams: (body["skip_params"] ?? []).jsonString, params: JSONValue.object(params).jsonString)
    }

    /// Store conflicts as 409s naming the field.
    private func mapStore<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let failure as ProviderStore.Failure {
            switch failure {
            case .duplicateSlug: throw APIError(.conflict, "duplicate_slug", "slug: \(failure.description)")
            case .duplicateModel: throw APIError(.conflict, "duplicate_model", "model_id: \(failure.description)")
            }
        }
    }

    /// Re-raises a field error with its place in a larger document.
    private func prefixed<T>(_ prefix: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as APIError {
            throw APIError(error.status, error.code, "\(prefix).\(error.message)")
        }
    }

    private func audit(_ context: AuthenticatedContext, _ action: String, _ target: String) async throws {
        try await auditLog.record(userID: context.identity.userID, email: nil, action: action, target: target, ip: context.clientIP)
    }

    // MARK: - Presets

    static let presetSchema = Schema.object([
        ("preset", Schema.name(min: 1, max: 64)),
        ("slug", Schema.string(min: 1, max: 64, pattern: "^[A-Za-z0-9_-]+$")),
    ], required: ["preset"])

    // MARK: - JSON

    /// A connection test that failed, in words a user acts on, with the class and the
    /// provider's own message for the detail line.
    static func discoveryFailure(_ errorClass: String, _ message: String) -> JSONValue {
        let hint: String
        switch errorClass {
        case "auth_failed": hint = "The provider refused the API key. Check the key saved for this provider (Providers & keys)."
        case "rate_limited": hint = "The provider is rate-limiting this key. Wait a moment and try again."
        case "network", "network_error": hint = "The provider could not be reached at this base URL. Check the URL and that the server is running (a local or private address is called only when an admin allows local endpoints)."
        case "timeout": hint = "The provider did not answer in time."
        case "unsupported": hint = "This provider cannot list its models. Add models by their id."
        case "unavailable": hint = "This provider cannot be called right now."
        case "http_404": hint = "The base URL answered, but has no model list there. Check the base URL (e.g. it may need /v1)."
        default: hint = "The provider answered with an error."
        }
        return ["ok": false, "error_class": .string(errorClass), "message": .string(hint), "detail": .string(message)]
    }

    static func providerJSON(_ p: ProviderRecord, models: [ModelRecord], withIDs: Bool = true) throws -> JSONValue {
        var json: JSONObject = ["slug": .string(p.slug), "plugin_id": .string(p.pluginID), "base_url": .string(p.baseURL),
                                "display_name": .string(p.displayName),
                                "default_params": .object(try p.decodedDefaultParams()),
                                "api_key_env": p.apiKeyEnv.map(JSONValue.string) ?? .null,
                                "preset": p.preset.map(JSONValue.string) ?? .null,
                                "models": .array(try models.map { try modelJSON($0, withIDs: withIDs) })]
        if withIDs {
            json["id"] = .string(p.id)
            json["created_at"] = .int(p.createdAt)
            json["updated_at"] = .int(p.updatedAt)
        }
        return .object(json)
    }

    static func modelJSON(_ m: ModelRecord, withIDs: Bool = true) throws -> JSONValue {
        var json: JSONObject = ["model_id": .string(m.modelID), "display_name": m.displayName.map(JSONValue.string) ?? .null,
                                "context_window": m.contextWindow.map { .int(Int64($0)) } ?? .null,
                                "max_output": m.maxOutput.map { .int(Int64($0)) } ?? .null,
                                "price_in": m.priceIn.map(JSONValue.double) ?? .null, "price_out": m.priceOut.map(JSONValue.double) ?? .null,
                                "system_prompt": m.systemPrompt.map(JSONValue.string) ?? .null,
                                "skip_params": .array(try m.decodedSkipParams().map(JSONValue.string)),
                                "params": .object(try m.decodedParams())]
        if withIDs {
            json["id"] = .string(m.id)
            json["provider_id"] = .string(m.providerID)
        }
        return .object(json)
    }
}

extension JSONValue {
    /// This object with `other`'s members added (for examples).
    func merging(_ other: JSONObject) -> JSONValue {
        guard var object = objectValue else { return self }
        for (key, value) in other { object[key] = value }
        return .object(object)
    }
}
