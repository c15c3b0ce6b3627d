import Foundation
import HTTPTypes
import HostAuth
import HostStorage
import Hummingbird
import HummingbirdTesting
import NIOCore
import StudioJSON
import Testing

@Suite struct LoginThrottleTests {
    /// Five checks per address and account per window; another account from the same
    /// address, or the same account from another address, is not affected; the window ends.
    @Test(arguments: TestDatabase.allCases)
    func fiveChecksPerAddressAndAccountPerWindow(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let throttle = LoginThrottle(database: database)
        let t0: Int64 = 1_000_000
        for i in 0..<5 {
            try await throttle.reserve(ip: "10.0.0.1", email: "a@example.com", now: t0 + Int64(i) * 1000)
            try await throttle.recordFailure(ip: "10.0.0.1", email: "a@example.com", now: t0 + Int64(i) * 1000)
        }
        await #expect(throws: LoginThrottle.Refusal(retryAfterMilliseconds: LoginThrottle.window - 5000)) {
            try await throttle.reserve(ip: "10.0.0.1", email: "A@example.com", now: t0 + 5000)
        }
        // Throttling a@ never blocks b@ from the same address, nor a@ from elsewhere.
        try await throttle.reserve(ip: "10.0.0.1", email: "b@example.com", now: t0 + 5000)
        try await throttle.reserve(ip: "10.0.0.2", email: "a@example.com", now: t0 + 5000)
        // The window ends.
        try await throttle.reserve(ip: "10.0.0.1", email: "a@example.com", now: t0 + LoginThrottle.window)
        await database.close()
    }

    /// Twenty guesses at once get five password checks: the attempt is reserved before the
    /// check, atomically, on both databases.
    @Test(arguments: TestDatabase.allCases)
    func concurrentGuessesGetAtMostTheAllowedChecks(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let throttle = LoginThrottle(database: database)
        let allowed = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<20 {
                group.addTask { (try? await throttle.reserve(ip: "10.9.9.9", email: "c@example.com")) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == LoginThrottle.pairLimit)
        await database.close()
    }

    /// Password spraying: one address trying many accounts stops at the address limit.
    @Test func sprayingFromOneAddressStops() async throws {
        let database = try await TestDatabase.sqlite.open()
        let throttle = LoginThrottle(database: database)
        for i in 0..<LoginThrottle.addressLimit {
            try await throttle.reserve(ip: "10.7.7.7", email: "user\(i)@example.com", now: 10_000)
        }
        await #expect(throws: LoginThrottle.Refusal.self) { try await throttle.reserve(ip: "10.7.7.7", email: "other@example.com", now: 10_000) }
        await database.close()
    }

    @Test func accountFailuresFromManyIPsOnlySlowDown() async throws {
        let database = try await TestDatabase.sqlite.open()
        let throttle = LoginThrottle(database: database)
        var delays: [Int64] = []
        for i in 0..<12 {
            delays.append(try await throttle.accountDelay(email: "v@example.com", now: 5000 + Int64(i)))
            try await throttle.recordFailure(ip: "192.0.2.\(i)", email: "V@example.com", now: 5000 + Int64(i))
        }
        #expect(delays == [0, 0, 0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
        #expect(try await throttle.accountDelay(email: "v@example.com", now: 5011 + LoginThrottle.accountWindow) == 0)
        try await throttle.recordSuccess(ip: "192.0.2.99", email: "v@example.com")
        #expect(try await throttle.accountDelay(email: "v@example.com", now: 5020) == 0)
        await database.close()
    }

    @Test func lockedLoginIsA429WithRetryAfterAndAudited() async throws {
        let (app, database) = try await AuthHTTPTests.app(.sqlite)
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"],
                                         body: AuthHTTPTests.body(["email": "l@example.com", "password": "right password"]))
            for _ in 0..<5 {
                let wrong = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                                                     body: AuthHTTPTests.body(["email": "l@example.com", "password": "wrong password"]))
                #expect(wrong.status == .unauthorized)
            }
            // Now even the right password is refused from this address, with Retry-After.
            let locked = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                                                  body: AuthHTTPTests.body(["email": "l@example.com", "password": "right password"]))
            #expect(locked.status == .tooManyRequests)
            let retry = Int(locked.headers[.retryAfter] ?? "") ?? 0
            #expect(retry > 800 && retry <= 900)
            #expect(try AuthHTTPTests.parse(locked)["error"]?["code"] == "too_many_attempts")
        }
        let audit = AuditLog(database: database)
        #expect(try await audit.entries(action: "login.failed").count == 5)
        #expect(try await audit.entries(action: "login.locked").count == 1)
        #expect(try await audit.entries(action: "login.failed").allSatisfy { $0.user_id != nil && $0.actor_email == "l@example.com" })
        await database.close()
    }
}
