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
    /// Access tokens signed under another version are refused (see `bumpTokenVersion`).
    public var tokenVersion: Int

    enum CodingKeys: String, CodingKey {
        case id, email, role, disabled
        case tokenVersion = "token_version"
        case passwordHash = "password_hash"
        case createdAt = "created_at"
        case lastLoginAt = "last_login_at"
    }
}

/// Users: the one aggregate every other row hangs from.
public struct UserStore: Sendable {
    public let database: StudioDatabase
    /// Accounts as read for authentication in the last second (see `findForAuthentication`).
    private let recent = RecentUsers()

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
                                  createdAt: Clock.milliseconds(), lastLoginAt: nil, tokenVersion: 0)
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
            try await db.select().columns("id", "email", "password_hash", "role", "disabled", "created_at", "last_login_at", "token_version")
                .from("users").where("email", .equal, email.lowercased()).first(decoding: UserRecord.self)
        }
    }

    /// The account behind a request's token, read at most once a second per account: every
    /// authenticated request needs it, and under load the read was a third of the work.
    /// Every change made through this store forgets the account at once, so logout, a new
    /// password, a role change or disabling hold on the next request of this process;
    /// a change made by another process (another instance, `studio admin`) holds within
    /// `RecentUsers.lifetime`.
    public func findForAuthentication(id: String) async throws -> UserRecord? {
        let now = Clock.milliseconds()
        // One read per account at a time: when an entry lapses under load, the requests
        // that find it lapsed wait for the one read instead of each making their own.
        let read = recent.lookup(id, now: now) { Task { try await self.find(id: id) } }
        switch read {
        case .known(let user):
            return user
        case .reading(let task, let mine):
            let user: UserRecord?
            do { user = try await task.value } catch {
                if mine { recent.finished(id, task: task, user: nil, now: now) }
                throw error
            }
            if mine { recent.finished(id, task: task, user: user, now: now) }
            return user
        }
    }

    public func find(id: String) async throws -> UserRecord? {
        try await database.withSQL { db in
            try await db.select().columns("id", "email", "password_hash", "role", "disabled", "created_at", "last_login_at", "token_version")
                .from("users").where("id", .equal, id).first(decoding: UserRecord.self)
        }
    }

    public func count() async throws -> Int {
        try await database.withSQL { db in
            try await db.raw("SELECT COUNT(*) AS n FROM users").first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }

    public func delete(id: String) async throws {
        defer { recent.forget(id) }
        try await database.withSQL { db in try await db.delete(from: "users").where("id", .equal, id).run() }
    }
}

extension UserStore {
    public func setPassword(id: String, passwordHash: String) async throws {
        defer { recent.forget(id) }
        try await database.withSQL { db in
            try await db.update("users").set("password_hash", to: SQLBind(passwordHash)).where("id", .equal, id).run()
        }
    }

    /// Ends every access token of the user at once (logout, password, role, disabling).
    public func bumpTokenVersion(id: String) async throws {
        defer { recent.forget(id) }
        try await database.withSQL { db in
            try await db.update("users").set(SQLIdentifier("token_version"), to: SQLRaw("token_version + 1")).where("id", .equal, id).run()
        }
    }

    public func recordLogin(id: String, at time: Int64 = Clock.milliseconds()) async throws {
        defer { recent.forget(id) }
        try await database.withSQL { db in
            try await db.update("users").set("last_login_at", to: SQLBind(time)).where("id", .equal, id).run()
        }
    }
}

/// What the admin's user list shows: the account, its limits, and how much it owns.
public struct UserSummary: Sendable, Codable, Equatable {
    public let id: String
    public let email: String
    public let role: String
    public let disabled: Bool
    public let created_at: Int64
    public let last_login_at: Int64?
    public let max_jobs_per_hour: Int?
    public let max_concurrent_jobs: Int?
    public let runs: Int
    public let evals: Int
    public let schedules: Int
    public let providers: Int
}

extension UserStore {
    public func summaries(id: String? = nil) async throws -> [UserSummary] {
        try await database.withSQL { db in
            let filter: SQLQueryString = id.map { " WHERE u.id = \(bind: $0)" } ?? ""
            let query: SQLQueryString = """
                SELECT u.id, u.email, u.role, u.disabled, u.created_at, u.last_login_at, u.max_jobs_per_hour, u.max_concurrent_jobs,
                  (SELECT COUNT(*) FROM benchmark_runs r WHERE r.user_id = u.id) AS runs,
                  (SELECT COUNT(*) FROM tool_eval_runs e WHERE e.user_id = u.id) AS evals,
                  (SELECT COUNT(*) FROM schedules s WHERE s.user_id = u.id) AS schedules,
                  (SELECT COUNT(*) FROM providers p WHERE p.user_id = u.id) AS providers
                FROM users u\(filter) ORDER BY u.created_at
                """
            return try await db.raw(query).all(decoding: UserSummary.self)
        }
    }

    public enum AdminFailure: Error, Equatable, CustomStringConvertible {
        case lastAdmin
        public var description: String { "the studio must keep at least one enabled admin" }
    }

    /// Changes role and/or disabled flag; refuses a change that leaves no enabled admin
    /// (checked in the same transaction). False when there is no such user.
    public func update(id: String, role: String?, disabled: Bool?) async throws -> Bool {
        defer { recent.forget(id) }
        return try await database.transaction { db in
            guard let user = try await db.select().columns("role", "disabled").from("users").where("id", .equal, id).first() else { return false }
            let currentRole = try user.decode(column: "role", as: String.self)
            let currentlyDisabled = try user.decode(column: "disabled", as: Bool.self)
            let wasAdmin = currentRole == "admin" && !currentlyDisabled
            let staysAdmin = (role ?? currentRole) == "admin" && !(disabled ?? currentlyDisabled)
            if wasAdmin && !staysAdmin {
                let admins = try await db.raw("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = \(unsafeRaw: database.dialect == .postgres ? "FALSE" : "0")")
                    .first(decodingColumn: "n", as: Int.self) ?? 0
                if admins <= 1 { throw AdminFailure.lastAdmin }
            }
            var update = db.update("users")
            if let role { update = update.set("role", to: SQLBind(role)) }
            if let disabled { update = update.set("disabled", to: SQLBind(disabled)) }
            if (role != nil && role != currentRole) || (disabled != nil && disabled != currentlyDisabled) {
                // A changed role or a disabled account takes effect on the next request, not
                // when the access token expires (an unchanged one ends no session).
                try await update.set(SQLIdentifier("token_version"), to: SQLRaw("token_version + 1")).where("id", .equal, id).run()
            }
            return true
        }
    }

    /// Deletes a user and everything they own (cascade), keeping at least one enabled admin.
    public func deleteChecked(id: String) async throws -> Bool {
        guard try await update(id: id, role: "user", disabled: true) else { return false }
        try await delete(id: id)
        return true
    }

    /// Per-user job limits; nil means the studio default.
    public func setLimits(id: String, jobsPerHour: Int?, concurrentJobs: Int?) async throws {
        defer { recent.forget(id) }
        try await database.withSQL { db in
            try await db.update("users").set("max_jobs_per_hour", to: SQLBind(jobsPerHour))
                .set("max_concurrent_jobs", to: SQLBind(concurrentJobs)).where("id", .equal, id).run()
        }
    }
}
