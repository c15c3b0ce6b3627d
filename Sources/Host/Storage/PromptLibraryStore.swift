import SQLKit

/// A system prompt kept in the user's library (docs/tuning.md, "Prompt library"): written by
/// hand, found by the prompt tuner or imported; `parentID` is the prompt it was derived from.
public struct PromptRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var text: String
    /// JSON array of labels.
    public var labels: String
    /// `manual`, `tuner` or `import`.
    public var source: String
    public var parentID: String?
    public var tuningRunID: String?
    /// The score it earned on its suite (the tuner's confirmation), if it has one.
    public var score: Double?
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, text, labels, source, score
        case parentID = "parent_id", tuningRunID = "tuning_run_id", createdAt = "created_at"
    }

    public init(id: String = RecordID.make(), name: String, text: String, labels: String, source: String, parentID: String? = nil,
                tuningRunID: String? = nil, score: Double? = nil, createdAt: Int64 = Clock.milliseconds()) {
        self.id = id
        self.name = name
        self.text = text
        self.labels = labels
        self.source = source
        self.parentID = parentID
        self.tuningRunID = tuningRunID
        self.score = score
        self.createdAt = createdAt
    }
}

/// The prompt library; every query names the owner.
public struct PromptLibraryStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    static let columns = ["id", "name", "text", "labels", "source", "parent_id", "tuning_run_id", "score", "created_at"]

    /// Adds prompts in one transaction (an import is all or nothing).
    public func add(userID: String, _ prompts: [PromptRecord]) async throws {
        try await database.transaction { db in
            for p in prompts {
                try await db.insert(into: "prompt_library").columns(["user_id"] + Self.columns)
                    .values(SQLBind(userID), SQLBind(p.id), SQLBind(p.name), SQLBind(p.text), SQLBind(p.labels), SQLBind(p.source),
                            SQLBind(p.parentID), SQLBind(p.tuningRunID), SQLBind(p.score), SQLBind(p.createdAt)).run()
            }
        }
    }

    public func list(userID: String) async throws -> [PromptRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("prompt_library").where("user_id", .equal, userID)
                .orderBy("created_at", .descending).orderBy("id").all(decoding: PromptRecord.self)
        }
    }

    public func find(userID: String, id: String) async throws -> PromptRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("prompt_library").where("user_id", .equal, userID).where("id", .equal, id)
                .first(decoding: PromptRecord.self)
        }
    }

    @discardableResult
    public func update(userID: String, id: String, name: String?, labels: String?) async throws -> Bool {
        try await database.withSQL { db in
            guard try await db.select().column("id").from("prompt_library").where("user_id", .equal, userID).where("id", .equal, id)
                .first() != nil else { return false }
            var update = db.update("prompt_library")
            if let name { update = update.set("name", to: SQLBind(name)) }
            if let labels { update = update.set("labels", to: SQLBind(labels)) }
            if name != nil || labels != nil { try await update.where("user_id", .equal, userID).where("id", .equal, id).run() }
            return true
        }
    }

    public func delete(userID: String, id: String) async throws -> Bool {
        try await database.withSQL { db in
            guard try await db.select().column("id").from("prompt_library").where("user_id", .equal, userID).where("id", .equal, id)
                .first() != nil else { return false }
            try await db.delete(from: "prompt_library").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }
}
