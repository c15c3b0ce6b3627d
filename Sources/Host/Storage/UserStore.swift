import SQLKit

/// A studio account as stored.
public struct UserRecord: Sendable, Equatable, Codable {
    public var id: String
    public var email: String
    public var passwordHash: String
    public var role: String
    public var disabled: Bool
    public var createdAt: Int64
    public var lastLoginAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, email, role, disabled
        case passwordHash = "password_hash"
        case createdAt = "created_at"
        case lastLoginAt = "last_login_at"
    }
}

/// Users: the one aggregate every other row hangs from.
public struct UserStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public enum Failure: Error, Equatable {
        case emailTaken
    }

    /// Creates a user; the first user of the studio becomes admin (checked in the same
    /// transaction, so two simultaneous first registrations cannot both win).
    public func create(email: String, passwordHash: String) async throws -> UserRecord {
        let normalized = email.lowercased()
        return try await database.transaction { db in
            if try await db.select().column("id").from("users").where("email", .equal, normalized).first() != nil {
                throw Failure.emailTaken
            }
            let count = try await db.raw("SELECT COUNT(*) AS n FROM users").first(decodingColumn: "n", as: Int.self) ?? 0
            let user = UserRecord(id: RecordID.make(), email: normalized, passwordHash: passwordHash,
                                  role: count == 0 ? "admin" : "user", disabled: false,
                                  createdAt: Clock.milliseconds(), lastLoginAt: nil)
            try await db.insert(into: "users")
                .columns("id", "email", "password_hash", "role", "disabled", "created_at")
                .values(SQLBind(user.id), SQLBind(user.email), SQLBind(user.passwordHash), SQLBind(user.role),
                        SQLBind(user.disabled), SQLBind(user.createdAt))
                .run()
            return user
        }
    }

    public func find(email: String) async throws -> UserRecord? {
        try await database.withSQL { db in
            try await db.select().columns("id", "email", "password_hash", "role", "disabled", "created_at", "last_login_at")
                .from("users").where("email", .equal, email.lowercased()).first(decoding: UserRecord.self)
        }
    }

    public func find(id: String) async throws -> UserRecord? {
        try await database.withSQL { db in
            try await db.select().columns("id", "email", "password_hash", "role", "disabled", "created_at", "last_login_at")
                .from("users").where("id", .equal, id).first(decoding: UserRecord.self)
        }
    }

    public func count() async throws -> Int {
        try await database.withSQL { db in
            try await db.raw("SELECT COUNT(*) AS n FROM users").first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }

    public func delete(id: String) async throws {
        try await database.withSQL { db in try await db.delete(from: "users").where("id", .equal, id).run() }
    }
}

extension UserStore {
    public func setPassword(id: String, passwordHash: String) async throws {
        try await database.withSQL { db in
            try await db.update("users").set("password_hash", to: SQLBind(passwordHash)).where("id", .equal, id).run()
        }
    }

    public func recordLogin(id: String, at time: Int64 = Clock.milliseconds()) async throws {
        try await database.withSQL { db in
            try await db.update("users").set("last_login_at", to: SQLBind(time)).where("id", .equal, id).run()
        }
    }
}
