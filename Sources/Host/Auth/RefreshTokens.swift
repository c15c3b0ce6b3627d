import HostStorage
import SQLKit

/// Refresh tokens (docs/security.md): 7 days, stored as SHA-256 only, rotated on every use. Every
/// token descends from one login (its family); presenting a token that was already
/// rotated or revoked is taken as theft and revokes the whole family.
public struct RefreshTokenStore: Sendable {
    public static let lifetimeMilliseconds: Int64 = 7 * 24 * 3600 * 1000
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknown, expired, reused, revoked
        public var description: String {
            switch self {
            case .unknown: return "refresh token not recognised"
            case .expired: return "refresh token expired"
            case .reused: return "refresh token was already used: every session of this login has been revoked"
            case .revoked: return "refresh token was revoked"
            }
        }
    }

    public struct Issued: Sendable {
        /// Shown to the client once (in the cookie); only its hash is stored.
        public let token: String
        public let userID: String
        public let familyID: String
        public let expiresAt: Int64
    }

    /// A new token, starting a family (login) or continuing one (rotation).
    public func issue(userID: String, familyID: String? = nil, now: Int64 = Clock.milliseconds()) async throws -> Issued {
        try await database.withSQL { db in try await Self.insert(db, userID: userID, familyID: familyID ?? RecordID.make(), now: now) }
    }

    static func insert(_ db: any SQLDatabase, userID: String, familyID: String, now: Int64) async throws -> Issued {
        let token = TokenHashing.randomToken()
        let issued = Issued(token: token, userID: userID, familyID: familyID, expiresAt: now + lifetimeMilliseconds)
        try await db.insert(into: "refresh_tokens")
            .columns("id", "user_id", "family_id", "token_hash", "created_at", "expires_at")
            .values(SQLBind(RecordID.make()), SQLBind(userID), SQLBind(familyID), SQLBind(TokenHashing.hash(token)),
                    SQLBind(now), SQLBind(issued.expiresAt))
            .run()
        return issued
    }

    private struct Row: Codable {
        let id: String
        let user_id: String
        let family_id: String
        let expires_at: Int64
        let rotated_at: Int64?
        let revoked_at: Int64?
    }

    /// Exchanges a token for its successor. Reuse of a spent token revokes the family.
    public func rotate(_ token: String, now: Int64 = Clock.milliseconds()) async throws -> Issued {
        let outcome: Result<Issued, Failure> = try await database.transaction { db in
            guard let row = try await db.select().columns("id", "user_id", "family_id", "expires_at", "rotated_at", "revoked_at")
                .from("refresh_tokens").where("token_hash", .equal, TokenHashing.hash(token)).first(decoding: Row.self) else {
                return .failure(.unknown)
            }
            if row.rotated_at != nil {
                try await db.update("refresh_tokens").set("revoked_at", to: SQLBind(now))
                    .where("family_id", .equal, row.family_id).where("revoked_at", .is, SQLLiteral.null).run()
                return .failure(.reused)
            }
            if row.revoked_at != nil { return .failure(.revoked) }
            if row.expires_at <= now { return .failure(.expired) }
            try await db.update("refresh_tokens").set("rotated_at", to: SQLBind(now)).where("id", .equal, row.id).run()
            return .success(try await Self.insert(db, userID: row.user_id, familyID: row.family_id, now: now))
        }
        return try outcome.get()
    }

    /// Logout: the family of this token ends.
    /// Revokes the token's family; returns its owner (nil for an unknown token).
    @discardableResult
    public func revokeFamily(of token: String, now: Int64 = Clock.milliseconds()) async throws -> String? {
        try await database.withSQL { db in
            guard let row = try await db.select().columns("family_id", "user_id").from("refresh_tokens")
                .where("token_hash", .equal, TokenHashing.hash(token)).first() else { return nil }
            let family = try row.decode(column: "family_id", as: String.self)
            try await db.update("refresh_tokens").set("revoked_at", to: SQLBind(now))
                .where("family_id", .equal, family).where("revoked_at", .is, SQLLiteral.null).run()
            return try row.decode(column: "user_id", as: String.self)
        }
    }

    /// Password change, admin reset, disabling: every session of the user ends.
    public func revokeAll(userID: String, now: Int64 = Clock.milliseconds()) async throws {
        try await database.withSQL { db in
            try await db.update("refresh_tokens").set("revoked_at", to: SQLBind(now))
                .where("user_id", .equal, userID).where("revoked_at", .is, SQLLiteral.null).run()
        }
    }
}

/// Named long-lived tokens for the CLI (docs/security.md), listed and revoked by their owner; every
/// query names the owner, so one user can never see or revoke another's.
public struct CLITokenStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public struct Listing: Sendable, Codable, Equatable {
        public let id: String
        public let name: String
        public let created_at: Int64
        public let last_used_at: Int64?
    }

    /// Returns the token (shown once) and its id.
    public func create(userID: String, name: String) async throws -> (token: String, id: String) {
        let token = "studio_cli_" + TokenHashing.randomToken()
        let id = RecordID.make()
        try await database.withSQL { db in
            try await db.insert(into: "cli_tokens").columns("id", "user_id", "name", "token_hash", "created_at")
                .values(SQLBind(id), SQLBind(userID), SQLBind(name), SQLBind(TokenHashing.hash(token)), SQLBind(Clock.milliseconds()))
                .run()
        }
        return (token, id)
    }

    public func list(userID: String) async throws -> [Listing] {
        try await database.withSQL { db in
            try await db.select().columns("id", "name", "created_at", "last_used_at").from("cli_tokens")
                .where("user_id", .equal, userID).where("revoked_at", .is, SQLLiteral.null)
                .orderBy("created_at").all(decoding: Listing.self)
        }
    }

    /// False when the token does not exist for this user (another user's id looks the same as none).
    public func revoke(userID: String, id: String) async throws -> Bool {
        try await database.withSQL { db in
            let found = try await db.select().column("id").from("cli_tokens").where("id", .equal, id)
                .where("user_id", .equal, userID).where("revoked_at", .is, SQLLiteral.null).first() != nil
            if found {
                try await db.update("cli_tokens").set("revoked_at", to: SQLBind(Clock.milliseconds()))
                    .where("id", .equal, id).where("user_id", .equal, userID).run()
            }
            return found
        }
    }

    public func revokeAll(userID: String) async throws {
        try await database.withSQL { db in
            try await db.update("cli_tokens").set("revoked_at", to: SQLBind(Clock.milliseconds()))
                .where("user_id", .equal, userID).where("revoked_at", .is, SQLLiteral.null).run()
        }
    }

    /// The owner of a live token, recording its use.
    public func authenticate(_ token: String) async throws -> String? {
        try await database.withSQL { db in
            let hash = TokenHashing.hash(token)
            guard let userID = try await db.select().column("user_id").from("cli_tokens").where("token_hash", .equal, hash)
                .where("revoked_at", .is, SQLLiteral.null).first(decodingColumn: "user_id", as: String.self) else { return nil }
            try await db.update("cli_tokens").set("last_used_at", to: SQLBind(Clock.milliseconds())).where("token_hash", .equal, hash).run()
            return userID
        }
    }
}
