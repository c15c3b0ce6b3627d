import SQLKit

/// An admin's decisions about one plugin id, and its quarantine (docs/plugins.md,
/// "Isolation and trust"). Read by every command that loads plugins.
public struct PluginPolicyRecord: Sendable, Equatable, Codable {
    public var pluginID: String
    /// "isolated", "in-process", or nil for the default of the plugin's origin.
    public var mode: String?
    public var disabled: Bool
    public var deadlineMs: Int?
    /// Set when repeated crashes or timeouts quarantined the plugin; cleared by an admin.
    public var quarantineReason: String?

    public init(pluginID: String, mode: String? = nil, disabled: Bool = false, deadlineMs: Int? = nil, quarantineReason: String? = nil) {
        self.pluginID = pluginID
        self.mode = mode
        self.disabled = disabled
        self.deadlineMs = deadlineMs
        self.quarantineReason = quarantineReason
    }

    enum CodingKeys: String, CodingKey {
        case mode, disabled
        case pluginID = "plugin_id", deadlineMs = "deadline_ms", quarantineReason = "quarantine_reason"
    }
}

public struct PluginPolicyStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public func all() async throws -> [PluginPolicyRecord] {
        try await database.withSQL { db in
            try await db.select().columns("plugin_id", "mode", "disabled", "deadline_ms", "quarantine_reason").from("plugin_policies")
                .orderBy("plugin_id").all(decoding: PluginPolicyRecord.self)
        }
    }

    public func find(_ pluginID: String) async throws -> PluginPolicyRecord? {
        try await database.withSQL { db in
            try await db.select().columns("plugin_id", "mode", "disabled", "deadline_ms", "quarantine_reason").from("plugin_policies")
                .where("plugin_id", .equal, pluginID).first(decoding: PluginPolicyRecord.self)
        }
    }

    /// Writes the whole record (insert or replace).
    public func save(_ record: PluginPolicyRecord, by userID: String?) async throws {
        try await database.transaction { db in
            try await db.delete(from: "plugin_policies").where("plugin_id", .equal, record.pluginID).run()
            try await db.insert(into: "plugin_policies")
                .columns("plugin_id", "mode", "disabled", "deadline_ms", "quarantine_reason", "updated_by", "updated_at")
                .values(SQLBind(record.pluginID), SQLBind(record.mode), SQLBind(record.disabled), SQLBind(record.deadlineMs),
                        SQLBind(record.quarantineReason), SQLBind(userID), SQLBind(Clock.milliseconds())).run()
        }
    }

    /// Records a quarantine, keeping the admin's other decisions.
    public func quarantine(_ pluginID: String, reason: String) async throws {
        var record = try await find(pluginID) ?? PluginPolicyRecord(pluginID: pluginID)
        guard record.quarantineReason == nil else { return }
        record.quarantineReason = reason
        try await save(record, by: nil)
    }
}
