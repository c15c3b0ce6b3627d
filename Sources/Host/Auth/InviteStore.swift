import HostStorage
import SQLKit

/// Invitations for invite-only registration: the admin creates one (optionally for one
/// email), the code is shown once and only its SHA-256 is stored; registering with it
/// uses it up. Codes expire.
public struct InviteStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public struct Invite: Sendable, Codable, Equatable {
        public let id: String
        public let email: String?
        public let created_at: Int64
        public let expires_at: Int64
        public let used_at: Int64?
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case unknown, used, expired, otherEmail
        public var description: String {
            switch self {
            case .unknown: return "this invitation code is not valid"
            case .used: return "this invitation was already used"
            case .expired: return "this invitation has expired: ask the admin for a new one"
            case .otherEmail: return "this invitation is for another email address"
            }
        }
    }

    /// A new invitation: its id and the code to hand over (shown once).
    public func create(by admin: String, email: String?, lifetimeMilliseconds: Int64) async throws -> (id: String, code: String, expiresAt: Int64) {
        let code = "inv_" + TokenHashing.randomToken(bytes: 18)
        let id = RecordID.make(), now = Clock.milliseconds()
        try await database.withSQL { db in
            try await db.insert(into: "invites").columns("id", "code_hash", "email", "created_by", "created_at", "expires_at")
                .values(SQLBind(id), SQLBind(Self.hash(code)), SQLBind(email?.lowercased()), SQLBind(admin), SQLBind(now),
                        SQLBind(now + lifetimeMilliseconds)).run()
        }
        return (id, code, now + lifetimeMilliseconds)
    }

    public func list() async throws -> [Invite] {
        try await database.withSQL { db in
            try await db.select().columns("id", "email", "created_at", "expires_at", "used_at").from("invites")
                .orderBy("created_at", .descending).limit(500).all(decoding: Invite.self)
        }
    }

    public func delete(id: String) async throws -> Bool {
        try await database.withSQL { db in
            guard try await db.select().column("id").from("invites").where("id", .equal, id).first() != nil else { return false }
            try await db.delete(from: "invites").where("id", .equal, id).run()
            return true
        }
    }

    /// Uses the invitation up for `email`, or throws why it cannot be used. Atomic: two
    /// registrations with one code cannot both succeed.
    public func redeem(code: String, email: String, now: Int64 = Clock.milliseconds()) async throws {
        try await database.transaction { db in
            struct Row: Codable { let id: String; let email: String?; let expires_at: Int64; let used_at: Int64? }
            guard let row = try await db.select().columns("id", "email", "expires_at", "used_at").from("invites")
                .where("code_hash", .equal, Self.hash(code)).first(decoding: Row.self) else { throw Refusal.unknown }
            if row.used_at != nil { throw Refusal.used }
            if row.expires_at <= now { throw Refusal.expired }
            if let bound = row.email, bound != email.lowercased() { throw Refusal.otherEmail }
            // The WHERE on used_at makes the use atomic across instances too.
            let used = try await db.raw("""
                UPDATE invites SET used_at = \(bind: now) WHERE id = \(bind: row.id) AND used_at IS NULL RETURNING id
                """).first()
            if used == nil { throw Refusal.used }
        }
    }

    /// Links a redeemed invitation to the account it created (for the admin's list).
    public func recordUse(code: String, userID: String) async throws {
        try await database.withSQL { db in
            try await db.update("invites").set("used_by", to: SQLBind(userID)).where("code_hash", .equal, Self.hash(code)).run()
        }
    }

    static func hash(_ code: String) -> String { TokenHashing.hash(code) }
}
