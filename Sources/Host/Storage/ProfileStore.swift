import SQLKit

/// A named configuration of one model (docs/tuning.md, "Profiles"): parameters and
/// optionally a system prompt, saved by hand or from a tuning run or an experiment; a
/// benchmark's or an eval's target names it as `profile`.
public struct ProfileRecord: Sendable, Equatable, Codable {
    public var id: String
    /// The provider's id as the user names it (`sim-openai`) and the model's id.
    public var provider: String
    public var model: String
    public var name: String
    /// JSON object of sampling parameters.
    public var params: String
    public var systemPrompt: String?
    /// `manual`, `tuning`, `experiment`.
    public var source: String
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, provider, model, name, params, source
        case systemPrompt = "system_prompt", createdAt = "created_at"
    }
}

/// Model profiles; every query names the owner.
public struct ProfileStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    static let columns = ["id", "provider", "model", "name", "params", "system_prompt", "source", "created_at"]

    public enum Failure: Error, CustomStringConvertible {
        case duplicate(String)
        public var description: String {
            switch self { case .duplicate(let name): "this model already has a profile named \(name)" }
        }
    }

    public func create(userID: String, provider: String, model: String, name: String, params: String, systemPrompt: String?,
                       source: String) async throws -> ProfileRecord {
        let record = ProfileRecord(id: RecordID.make(), provider: provider, model: model, name: name, params: params,
                                   systemPrompt: systemPrompt, source: source, createdAt: Clock.milliseconds())
        try await database.withSQL { db in
            guard try await db.select().column("id").from("model_profiles").where("user_id", .equal, userID).where("provider", .equal, provider)
                .where("model", .equal, model).where("name", .equal, name).first() == nil else { throw Failure.duplicate(name) }
            try await db.insert(into: "model_profiles").columns(["user_id"] + Self.columns)
                .values(SQLBind(userID), SQLBind(record.id), SQLBind(provider), SQLBind(model), SQLBind(name), SQLBind(params),
                        SQLBind(systemPrompt), SQLBind(source), SQLBind(record.createdAt)).run()
        }
        return record
    }

    public func list(userID: String) async throws -> [ProfileRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("model_profiles").where("user_id", .equal, userID)
                .orderBy("provider").orderBy("model").orderBy("name").all(decoding: ProfileRecord.self)
        }
    }

    public func find(userID: String, provider: String, model: String, name: String) async throws -> ProfileRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("model_profiles").where("user_id", .equal, userID).where("provider", .equal, provider)
                .where("model", .equal, model).where("name", .equal, name).first(decoding: ProfileRecord.self)
        }
    }

    public func delete(userID: String, id: String) async throws -> Bool {
        try await database.withSQL { db in
            guard try await db.select().column("id").from("model_profiles").where("user_id", .equal, userID).where("id", .equal, id)
                .first() != nil else { return false }
            try await db.delete(from: "model_profiles").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }
}

extension ProviderStore {
    /// The profiles of the same database: a model's saved configurations.
    public var profiles: ProfileStore { ProfileStore(database: database) }
}
