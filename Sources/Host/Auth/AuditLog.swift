import Foundation
import HostStorage
import SQLKit

/// The audit log (docs/security.md): who did what, when, from where. Entries outlive their users
/// (user_id set to null on delete; the email is kept as written).
public struct AuditLog: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public func record(userID: String?, email: String?, action: String, target: String? = nil,
                       detail: String? = nil, ip: String?) async throws {
        try await database.withSQL { db in
            try await db.insert(into: "audit_log").columns("id", "user_id", "actor_email", "action", "target", "detail", "ip", "created_at")
                .values(SQLBind(RecordID.make()), SQLBind(userID), SQLBind(email), SQLBind(action), SQLBind(target),
                        SQLBind(detail), SQLBind(ip), SQLBind(Clock.milliseconds())).run()
        }
    }

    public struct Entry: Sendable, Codable, Equatable {
        public let user_id: String?
        public let actor_email: String?
        public let action: String
        public let ip: String?
    }

    /// An entry as the admin's audit view shows it.
    public struct Record: Sendable, Codable, Equatable {
        public let id: String
        public let user_id: String?
        public let actor_email: String?
        public let action: String
        public let target: String?
        public let detail: String?
        public let ip: String?
        public let created_at: Int64
    }

    /// Newest first. `user` matches the user id or the email written on the entry;
    /// `action` matches exactly or, ending in `.`, as a prefix (`login.`).
    public func search(user: String? = nil, action: String? = nil, since: Int64? = nil, limit: Int = 200) async throws -> [Record] {
        try await database.withSQL { db in
            var query = db.select().columns("id", "user_id", "actor_email", "action", "target", "detail", "ip", "created_at")
                .from("audit_log")
            if let user {
                query = query.where { $0.where("user_id", .equal, user).orWhere("actor_email", .equal, user.lowercased()) }
            }
            if let action {
                if action.hasSuffix(".") {
                    query = query.where("action", .like, action.replacingOccurrences(of: "%", with: "") + "%")
                } else {
                    query = query.where("action", .equal, action)
                }
            }
            if let since { query = query.where("created_at", .greaterThanOrEqual, since) }
            return try await query.orderBy("created_at", .descending).limit(limit).all(decoding: Record.self)
        }
    }

    public func entries(action: String? = nil) async throws -> [Entry] {
        try await database.withSQL { db in
            var query = db.select().columns("user_id", "actor_email", "action", "ip").from("audit_log")
            if let action { query = query.where("action", .equal, action) }
            return try await query.orderBy("created_at").all(decoding: Entry.self)
        }
    }
}
