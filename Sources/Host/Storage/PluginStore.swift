import SQLKit

/// Plugins installed with `studio plugins install`: id, version, where, and the SHA-256
/// of the library as installed (checked again at every load).
public struct InstalledPlugin: Sendable, Equatable, Codable {
    public let id: String
    public let pluginID: String
    public let version: String
    public let path: String
    public let sha256: String
    public let installedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, version, path, sha256
        case pluginID = "plugin_id", installedAt = "installed_at"
    }
}

public struct PluginStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    /// Records (or replaces) the install of the library at `path`.
    public func record(pluginID: String, version: String, path: String, sha256: String, installedBy: String?) async throws {
        try await database.transaction { db in
            try await db.delete(from: "plugins").where("path", .equal, path).run()
            try await db.insert(into: "plugins").columns("id", "plugin_id", "version", "path", "sha256", "installed_by", "installed_at")
                .values(SQLBind(RecordID.make()), SQLBind(pluginID), SQLBind(version), SQLBind(path), SQLBind(sha256),
                        SQLBind(installedBy), SQLBind(Clock.milliseconds())).run()
        }
    }

    public func all() async throws -> [InstalledPlugin] {
        try await database.withSQL { db in
            try await db.select().columns("id", "plugin_id", "version", "path", "sha256", "installed_at").from("plugins")
                .orderBy("installed_at").all(decoding: InstalledPlugin.self)
        }
    }

    /// path → SHA-256, as PluginRegistry takes them.
    public func checksums() async throws -> [String: String] {
        Dictionary(try await all().map { ($0.path, $0.sha256) }, uniquingKeysWith: { _, last in last })
    }
}
