import SQLKit

/// Studio-wide settings the admin changes while the studio runs (the registration mode):
/// one row per key, read on use so every instance sees a change at once.
public struct ServerSettingsStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public func get(_ key: String) async throws -> String? {
        try await database.withSQL { db in
            try await db.select().column("value").from("server_settings").where("key", .equal, key)
                .first(decodingColumn: "value", as: String.self)
        }
    }

    public func set(_ key: String, _ value: String) async throws {
        try await database.transaction { db in
            try await db.delete(from: "server_settings").where("key", .equal, key).run()
            try await db.insert(into: "server_settings").columns("key", "value", "updated_at")
                .values(SQLBind(key), SQLBind(value), SQLBind(Clock.milliseconds())).run()
        }
    }
}
