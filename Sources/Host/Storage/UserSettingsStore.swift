import SQLKit

/// Small per-user settings (judge settings, UI preferences): JSON text by key.
public struct UserSettingsStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public func all(userID: String) async throws -> [(key: String, value: String)] {
        try await database.withSQL { db in
            try await db.select().columns("key", "value").from("user_settings").where("user_id", .equal, userID).orderBy("key").all()
                .map { (try $0.decode(column: "key", as: String.self), try $0.decode(column: "value", as: String.self)) }
        }
    }

    public func get(userID: String, key: String) async throws -> String? {
        try await database.withSQL { db in
            try await db.select().column("value").from("user_settings").where("user_id", .equal, userID)
                .where("key", .equal, key).first(decodingColumn: "value", as: String.self)
        }
    }

    public func set(userID: String, key: String, value: String) async throws {
        try await database.transaction { db in
            try await db.delete(from: "user_settings").where("user_id", .equal, userID).where("key", .equal, key).run()
            try await db.insert(into: "user_settings").columns("user_id", "key", "value", "updated_at")
                .values(SQLBind(userID), SQLBind(key), SQLBind(value), SQLBind(Clock.milliseconds())).run()
        }
    }
}
