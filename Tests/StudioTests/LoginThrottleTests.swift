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
    @Test(arguments: TestDatabase.allCases)
    func fiveFailuresLockTheIPForFifteenMinutes(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let throttle = LoginThrottle(database: database)
        let t0: Int64 = 1_000_000
        for i in 0..<4 {
            try await throttle.recordFailure(ip: "10.0.0.1", email: "a@example.com", now: t0 + Int64(i) * 1000)
            #expect(try await throttle.lockRemaining(ip: "10.0.0.1", now: t0 + Int64(i) * 1000) == nil)
        }
        try await throttle.recordFailure(ip: "10.0.0.1", email: "a@example.com", now: t0 + 4000)
        #expect(try await throttle.lockRemaining(ip: "10.0.0.1", now: t0 + 4000) == LoginThrottle.ipLock)
        #expect(try await throttle.lockRemaining(ip: "10.0.0.2", now: t0 + 4000) == nil, "another IP is not locked")
        #expect(try await throttle.lockRemaining(ip: "10.0.0.1", now: t0 + 4000 + LoginThrottle.ipLock) == nil, "the lock expires")
        // Failures spread beyond the 5-minute window never lock.
        for i in 0..<6 {
            try await throttle.recordFailure(ip: "10.0.0.3", email: "b@example.com", now: t0 + Int64(i) * LoginThrottle.ipWindow)
        }
        #expect(try await throttle.lockRemaining(ip: "10.0.0.3", now: t0 + 5 * LoginThrottle.ipWindow) == nil)
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
            _ = try await client.execute(uri: "/api/auth/register", method: .post,
                                         body: AuthHTTPTests.body(["email": "l@example.com", "password": "right password"]))
            for _ in 0..<5 {
                let wrong = try await client.execute(uri: "/api/auth/login", method: .post,
                                                     body: AuthHTTPTests.body(["email": "l@example.com", "password": "wrong password"]))
                #expect(wrong.status == .unauthorized)
            }
            // Now even the right password is refused from this address, with Retry-After.
            let locked = try await client.execute(uri: "/api/auth/login", method: .post,
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
