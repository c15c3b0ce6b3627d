import Foundation
import HostStorage
import SQLKit

/// Login rate limits (docs/deploy.md, "Security"), kept in the database so they hold
/// across restarts and instances. Three counters, none of which lets one account's
/// throttling stop another account's correct password:
/// - per client address and account: at most 5 password checks per 15 minutes. An attempt
///   is reserved (counted atomically) *before* the bcrypt check, so 20 guesses arriving at
///   once still get at most 5 checks; a success clears the pair, a refusal is not counted.
/// - per client address, across accounts (password spraying): at most 50 checks per 15 min.
///   One account's guesses cannot reach it, since that pair stops at 5.
/// - per account, from any address: failures add a delay before the answer (none for the
///   first 3, then 1, 2, 4, 8, 16 s, capped at 30 s), so guessing stays slow while nobody
///   can lock a user out of their own account.
/// The client address is the proxy-forwarded one where trusted proxies are configured.
public struct LoginThrottle: Sendable {
    public static let window: Int64 = 15 * 60 * 1000
    public static let pairLimit = 5
    public static let addressLimit = 50
    public static let accountWindow: Int64 = 15 * 60 * 1000

    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    private struct Row: Codable {
        let failures: Int
        let window_start: Int64
    }

    /// Why an attempt may not be checked now, and for how long.
    public struct Refusal: Error, Equatable {
        public let retryAfterMilliseconds: Int64
        public init(retryAfterMilliseconds: Int64) { self.retryAfterMilliseconds = retryAfterMilliseconds }
    }

    /// Reserves one password check for `email` from `ip`: throws Refusal when its pair or
    /// address has used its checks for the window. Every reservation ends with exactly
    /// one of `recordSuccess` or `recordFailure`.
    public func reserve(ip: String, email: String, now: Int64 = Clock.milliseconds()) async throws {
        let pair = Self.pairSubject(ip: ip, email: email)
        let (count, start) = try await Self.increment(database, scope: "login_pair", subject: pair, now: now)
        if count > Self.pairLimit {
            try await Self.decrement(database, scope: "login_pair", subject: pair)
            throw Refusal(retryAfterMilliseconds: max(1000, start + Self.window - now))
        }
        let (total, addressStart) = try await Self.increment(database, scope: "login_address", subject: ip, now: now)
        if total > Self.addressLimit {
            try await Self.decrement(database, scope: "login_address", subject: ip)
            try await Self.decrement(database, scope: "login_pair", subject: pair)
            throw Refusal(retryAfterMilliseconds: max(1000, addressStart + Self.window - now))
        }
    }

    /// The delay (milliseconds) to impose before answering a login for this account.
    public func accountDelay(email: String, now: Int64 = Clock.milliseconds()) async throws -> Int64 {
        let row = try await database.withSQL { db in
            try await db.select().columns("failures", "window_start").from("rate_limits")
                .where("scope", .equal, "login_account").where("subject", .equal, email.lowercased()).first(decoding: Row.self)
        }
        guard let row, now - row.window_start < Self.accountWindow else { return 0 }
        return Self.delay(afterFailures: row.failures)
    }

    static func delay(afterFailures failures: Int) -> Int64 {
        guard failures > 3 else { return 0 }
        return min(30_000, 1000 << min(failures - 4, 5))
    }

    /// A reserved check failed: it stays counted, and the account's delay grows.
    public func recordFailure(ip: String, email: String, now: Int64 = Clock.milliseconds()) async throws {
        _ = try await Self.increment(database, scope: "login_account", subject: email.lowercased(), now: now, window: Self.accountWindow)
    }

    /// A reserved check succeeded: the pair and the account start again; the address gives
    /// its reservation back.
    public func recordSuccess(ip: String, email: String) async throws {
        try await database.withSQL { db in
            try await db.delete(from: "rate_limits").where("scope", .equal, "login_account").where("subject", .equal, email.lowercased()).run()
            try await db.delete(from: "rate_limits").where("scope", .equal, "login_pair")
                .where("subject", .equal, Self.pairSubject(ip: ip, email: email)).run()
        }
        try await Self.decrement(database, scope: "login_address", subject: ip)
    }

    static func pairSubject(ip: String, email: String) -> String { ip + " " + email.lowercased() }

    /// Counts one more in the window (a new window once the old one ended), atomically:
    /// one statement, so concurrent requests each see their own count.
    static func increment(_ database: StudioDatabase, scope: String, subject: String, now: Int64,
                          window: Int64 = window) async throws -> (count: Int, windowStart: Int64) {
        try await database.withSQL { db in
            let expired = "rate_limits.window_start <= \(now - window)"
            let row = try await db.raw("""
                INSERT INTO rate_limits (scope, subject, failures, window_start) VALUES (\(bind: scope), \(bind: subject), 1, \(bind: now))
                ON CONFLICT (scope, subject) DO UPDATE SET
                    failures = CASE WHEN \(unsafeRaw: expired) THEN 1 ELSE rate_limits.failures + 1 END,
                    window_start = CASE WHEN \(unsafeRaw: expired) THEN \(bind: now) ELSE rate_limits.window_start END
                RETURNING failures, window_start
                """).first(decoding: Row.self)
            guard let row else { return (1, now) }
            return (row.failures, row.window_start)
        }
    }

    static func decrement(_ database: StudioDatabase, scope: String, subject: String) async throws {
        try await database.withSQL { db in
            try await db.raw("""
                UPDATE rate_limits SET failures = failures - 1 WHERE scope = \(bind: scope) AND subject = \(bind: subject) AND failures > 0
                """).run()
        }
    }
}
