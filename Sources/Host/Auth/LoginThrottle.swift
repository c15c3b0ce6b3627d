import Foundation
import HostStorage
import SQLKit

/// Login rate limits (SPEC §5), kept in the database so they hold across restarts and
/// across instances:
/// - per IP: 5 failures within 5 minutes lock that IP out for 15 minutes (429 + Retry-After);
/// - per account: failures from any IP add a delay before the answer — none for the first
///   3, then 1, 2, 4, 8, 16 s, capped at 30 s — so nobody can lock a user out of their own
///   account, while guessing stays slow.
public struct LoginThrottle: Sendable {
    public static let ipWindow: Int64 = 5 * 60 * 1000
    public static let ipLimit = 5
    public static let ipLock: Int64 = 15 * 60 * 1000
    public static let accountWindow: Int64 = 15 * 60 * 1000

    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    private struct Row: Codable {
        let failures: Int
        let window_start: Int64
        let locked_until: Int64?
    }

    /// Milliseconds until the IP may try again, or nil when it may now.
    public func lockRemaining(ip: String, now: Int64 = Clock.milliseconds()) async throws -> Int64? {
        let row = try await database.withSQL { db in try await Self.row(db, scope: "login_ip", subject: ip) }
        guard let until = row?.locked_until, until > now else { return nil }
        return until - now
    }

    /// The delay (milliseconds) to impose before answering a login for this account.
    public func accountDelay(email: String, now: Int64 = Clock.milliseconds()) async throws -> Int64 {
        let row = try await database.withSQL { db in try await Self.row(db, scope: "login_account", subject: email.lowercased()) }
        guard let row, now - row.window_start < Self.accountWindow else { return 0 }
        return Self.delay(afterFailures: row.failures)
    }

    static func delay(afterFailures failures: Int) -> Int64 {
        guard failures > 3 else { return 0 }
        return min(30_000, 1000 << min(failures - 4, 5))
    }

    /// Counts a failed login against the IP and the account.
    public func recordFailure(ip: String, email: String, now: Int64 = Clock.milliseconds()) async throws {
        try await database.transaction { db in
            try await Self.bump(db, scope: "login_ip", subject: ip, window: Self.ipWindow, now: now, lockAt: Self.ipLimit, lockFor: Self.ipLock)
            try await Self.bump(db, scope: "login_account", subject: email.lowercased(), window: Self.accountWindow, now: now,
                                lockAt: nil, lockFor: 0)
        }
    }

    /// A successful login clears the account's count and the IP's.
    public func recordSuccess(ip: String, email: String) async throws {
        try await database.withSQL { db in
            try await db.delete(from: "rate_limits").where("scope", .equal, "login_account").where("subject", .equal, email.lowercased()).run()
            try await db.delete(from: "rate_limits").where("scope", .equal, "login_ip").where("subject", .equal, ip)
                .where("locked_until", .is, SQLLiteral.null).run()
        }
    }

    private static func row(_ db: any SQLDatabase, scope: String, subject: String) async throws -> Row? {
        try await db.select().columns("failures", "window_start", "locked_until").from("rate_limits")
            .where("scope", .equal, scope).where("subject", .equal, subject).first(decoding: Row.self)
    }

    private static func bump(_ db: any SQLDatabase, scope: String, subject: String, window: Int64, now: Int64,
                             lockAt: Int?, lockFor: Int64) async throws {
        let current = try await row(db, scope: scope, subject: subject)
        let fresh = current == nil || now - current!.window_start >= window
            || (current!.locked_until.map { $0 <= now } ?? false)
        let failures = fresh ? 1 : current!.failures + 1
        let start = fresh ? now : current!.window_start
        let locked: Int64? = lockAt.flatMap { failures >= $0 ? now + lockFor : nil }
        if current == nil {
            try await db.insert(into: "rate_limits").columns("scope", "subject", "failures", "window_start", "locked_until")
                .values(SQLBind(scope), SQLBind(subject), SQLBind(failures), SQLBind(start), SQLBind(locked)).run()
        } else {
            try await db.update("rate_limits").set("failures", to: SQLBind(failures)).set("window_start", to: SQLBind(start))
                .set("locked_until", to: SQLBind(locked)).where("scope", .equal, scope).where("subject", .equal, subject).run()
        }
    }
}

/// The audit log (SPEC §5): who did what, when, from where. Entries outlive their users
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
