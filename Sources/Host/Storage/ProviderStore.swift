import SQLKit

/// A user's provider endpoint (docs/configuration.md). `slug` is the name keys and benchmark targets use
/// ("openai", "simulator"); `id` is the row.
public struct ProviderRecord: Sendable, Equatable, Codable {
    public var id: String
    public var slug: String
    public var pluginID: String
    public var baseURL: String
    public var displayName: String
    /// JSON object text.
    public var defaultParams: String
    public var apiKeyEnv: String?
    /// The preset it was made from (`groq`, `vllm`, …), whose parameter rules apply.
    public var preset: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, slug, preset
        case pluginID = "plugin_id", baseURL = "base_url", displayName = "display_name", defaultParams = "default_params"
        case apiKeyEnv = "api_key_env", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// A model offered by one of the user's providers.
public struct ModelRecord: Sendable, Equatable, Codable {
    public var id: String
    public var providerID: String
    public var modelID: String
    public var displayName: String?
    public var contextWindow: Int?
    public var maxOutput: Int?
    public var priceIn: Double?
    public var priceOut: Double?
    public var systemPrompt: String?
    /// JSON array text.
    public var skipParams: String
    /// JSON object text.
    public var params: String

    enum CodingKeys: String, CodingKey {
        case id, params
        case providerID = "provider_id", modelID = "model_id", displayName = "display_name"
        case contextWindow = "context_window", maxOutput = "max_output", priceIn = "price_in", priceOut = "price_out"
        case systemPrompt = "system_prompt", skipParams = "skip_params"
    }

    public init(id: String = "", providerID: String = "", modelID: String, displayName: String? = nil,
                contextWindow: Int? = nil, maxOutput: Int? = nil, priceIn: Double? = nil, priceOut: Double? = nil,
                systemPrompt: String? = nil, skipParams: String = "[]", params: String = "{}") {
        self.id = id
        self.providerID = providerID
        self.modelID = modelID
        self.displayName = displayName
        self.contextWindow = contextWindow
        self.maxOutput = maxOutput
        self.priceIn = priceIn
        self.priceOut = priceOut
        self.systemPrompt = systemPrompt
        self.skipParams = skipParams
        self.params = params
    }
}

/// The fields a user sets on a provider.
public struct ProviderFields: Sendable, Equatable {
    public var slug: String
    public var pluginID: String
    public var baseURL: String
    public var displayName: String
    public var defaultParams: String
    public var apiKeyEnv: String?
    public var preset: String?

    public init(slug: String, pluginID: String, baseURL: String, displayName: String, defaultParams: String = "{}",
                apiKeyEnv: String? = nil, preset: String? = nil) {
        self.slug = slug
        self.pluginID = pluginID
        self.baseURL = baseURL
        self.displayName = displayName
        self.defaultParams = defaultParams
        self.apiKeyEnv = apiKeyEnv
        self.preset = preset
    }
}

/// Per-user providers and models. Every query names the owner, so another user's row is
/// indistinguishable from a missing one.
public struct ProviderStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case duplicateSlug(String), duplicateModel(String)
        public var description: String {
            switch self {
            case .duplicateSlug(let s): return "a provider with id \"\(s)\" exists"
            case .duplicateModel(let m): return "this provider already has a model \"\(m)\""
            }
        }
    }

    static let providerColumns = ["id", "slug", "plugin_id", "base_url", "display_name", "default_params", "api_key_env",
                                  "preset", "created_at", "updated_at"]
    static let modelColumns = ["id", "provider_id", "model_id", "display_name", "context_window", "max_output", "price_in",
                               "price_out", "system_prompt", "skip_params", "params"]

    public func providers(userID: String) async throws -> [ProviderRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.providerColumns).from("providers").where("user_id", .equal, userID)
                .orderBy("created_at").orderBy("slug").all(decoding: ProviderRecord.self)
        }
    }

    public func provider(userID: String, id: String) async throws -> ProviderRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.providerColumns).from("providers")
                .where("user_id", .equal, userID).where("id", .equal, id).first(decoding: ProviderRecord.self)
        }
    }

    public func provider(userID: String, slug: String) async throws -> ProviderRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.providerColumns).from("providers")
                .where("user_id", .equal, userID).where("slug", .equal, slug).first(decoding: ProviderRecord.self)
        }
    }

    public func models(userID: String) async throws -> [ModelRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.modelColumns).from("models").where("user_id", .equal, userID)
                .orderBy("created_at").orderBy("model_id").all(decoding: ModelRecord.self)
        }
    }

    public func model(userID: String, id: String) async throws -> ModelRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.modelColumns).from("models")
                .where("user_id", .equal, userID).where("id", .equal, id).first(decoding: ModelRecord.self)
        }
    }

    public func createProvider(userID: String, _ fields: ProviderFields) async throws -> ProviderRecord {
        try await database.transaction { db in try await Self.insertProvider(db, userID: userID, fields) }
    }

    /// nil when the user has no such provider.
    public func updateProvider(userID: String, id: String, _ fields: ProviderFields) async throws -> ProviderRecord? {
        try await database.transaction { db in
            if try await db.select().column("id").from("providers").where("user_id", .equal, userID)
                .where("slug", .equal, fields.slug).where("id", .notEqual, id).first() != nil {
                throw Failure.duplicateSlug(fields.slug)
            }
            try await db.update("providers")
                .set("slug", to: SQLBind(fields.slug)).set("plugin_id", to: SQLBind(fields.pluginID))
                .set("base_url", to: SQLBind(fields.baseURL)).set("display_name", to: SQLBind(fields.displayName))
                .set("default_params", to: SQLBind(fields.defaultParams)).set("api_key_env", to: SQLBind(fields.apiKeyEnv))
                .set("preset", to: SQLBind(fields.preset))
                .set("updated_at", to: SQLBind(Clock.milliseconds()))
                .where("user_id", .equal, userID).where("id", .equal, id).run()
            return try await db.select().columns(Self.providerColumns).from("providers")
                .where("user_id", .equal, userID).where("id", .equal, id).first(decoding: ProviderRecord.self)
        }
    }

    /// Deletes the provider and its models; false when the user has no such provider.
    public func deleteProvider(userID: String, id: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("providers").where("user_id", .equal, userID)
                .where("id", .equal, id).first() != nil else { return false }
            try await db.delete(from: "providers").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }

    /// nil when the user has no such provider.
    public func createModel(userID: String, providerID: String, _ model: ModelRecord) async throws -> ModelRecord? {
        try await database.transaction { db in
            guard try await db.select().column("id").from("providers").where("user_id", .equal, userID)
                .where("id", .equal, providerID).first() != nil else { return nil }
            return try await Self.insertModel(db, userID: userID, providerID: providerID, model)
        }
    }

    /// Replaces the model's fields (its provider stays); nil when the user has no such model.
    public func updateModel(userID: String, id: String, _ model: ModelRecord) async throws -> ModelRecord? {
        try await database.transaction { db in
            guard let current = try await db.select().columns(Self.modelColumns).from("models")
                .where("user_id", .equal, userID).where("id", .equal, id).first(decoding: ModelRecord.self) else { return nil }
            if current.modelID != model.modelID, try await db.select().column("id").from("models")
                .where("provider_id", .equal, current.providerID).where("model_id", .equal, model.modelID).first() != nil {
                throw Failure.duplicateModel(model.modelID)
            }
            try await db.update("models")
                .set("model_id", to: SQLBind(model.modelID)).set("display_name", to: SQLBind(model.displayName))
                .set("context_window", to: SQLBind(model.contextWindow)).set("max_output", to: SQLBind(model.maxOutput))
                .set("price_in", to: SQLBind(model.priceIn)).set("price_out", to: SQLBind(model.priceOut))
                .set("system_prompt", to: SQLBind(model.systemPrompt)).set("skip_params", to: SQLBind(model.skipParams))
                .set("params", to: SQLBind(model.params))
                .where("user_id", .equal, userID).where("id", .equal, id).run()
            var updated = model
            updated.id = id
            updated.providerID = current.providerID
            return updated
        }
    }

    public func deleteModel(userID: String, id: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("models").where("user_id", .equal, userID)
                .where("id", .equal, id).first() != nil else { return false }
            try await db.delete(from: "models").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }

    /// Replaces all of a user's providers and models in one transaction (settings import,
    /// seeding a new user): either everything is written or nothing changes.
    public func replaceAll(userID: String, with providers: [(ProviderFields, [ModelRecord])]) async throws {
        try await database.transaction { db in
            try await db.delete(from: "providers").where("user_id", .equal, userID).run()
            // Creation times one millisecond apart keep the document's order when listed.
            let base = Clock.milliseconds()
            var tick: Int64 = 0
            for (fields, models) in providers {
                let provider = try await Self.insertProvider(db, userID: userID, fields, at: base + tick)
                tick += 1
                for model in models {
                    _ = try await Self.insertModel(db, userID: userID, providerID: provider.id, model, at: base + tick)
                    tick += 1
                }
            }
        }
    }

    static func insertProvider(_ db: any SQLDatabase, userID: String, _ fields: ProviderFields,
                               at now: Int64 = Clock.milliseconds()) async throws -> ProviderRecord {
        if try await db.select().column("id").from("providers").where("user_id", .equal, userID)
            .where("slug", .equal, fields.slug).first() != nil {
            throw Failure.duplicateSlug(fields.slug)
        }
        let record = ProviderRecord(id: RecordID.make(), slug: fields.slug, pluginID: fields.pluginID, baseURL: fields.baseURL,
                                    displayName: fields.displayName, defaultParams: fields.defaultParams,
                                    apiKeyEnv: fields.apiKeyEnv, preset: fields.preset, createdAt: now, updatedAt: now)
        try await db.insert(into: "providers").columns(["user_id"] + providerColumns)
            .values(SQLBind(userID), SQLBind(record.id), SQLBind(record.slug), SQLBind(record.pluginID), SQLBind(record.baseURL),
                    SQLBind(record.displayName), SQLBind(record.defaultParams), SQLBind(record.apiKeyEnv), SQLBind(record.preset),
                    SQLBind(record.createdAt), SQLBind(record.updatedAt)).run()
        return record
    }

    static func insertModel(_ db: any SQLDatabase, userID: String, providerID: String, _ model: ModelRecord,
                            at now: Int64 = Clock.milliseconds()) async throws -> ModelRecord {
        if try await db.select().column("id").from("models").where("provider_id", .equal, providerID)
            .where("model_id", .equal, model.modelID).first() != nil {
            throw Failure.duplicateModel(model.modelID)
        }
        var record = model
        record.id = RecordID.make()
        record.providerID = providerID
        try await db.insert(into: "models").columns(["user_id", "created_at"] + modelColumns)
            .values(SQLBind(userID), SQLBind(now), SQLBind(record.id), SQLBind(providerID), SQLBind(record.modelID),
                    SQLBind(record.displayName), SQLBind(record.contextWindow), SQLBind(record.maxOutput), SQLBind(record.priceIn),
                    SQLBind(record.priceOut), SQLBind(record.systemPrompt), SQLBind(record.skipParams), SQLBind(record.params)).run()
        return record
    }
}
