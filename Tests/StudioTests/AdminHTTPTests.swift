import Foundation
import HTTPTypes
import HostAuth
import HostConfig
import HostHTTP
import HostStorage
import Hummingbird
import HummingbirdTesting
import NIOCore
import StudioJSON
import Testing

/// The admin's view (docs/security.md): users with counts, roles, disabling, limits, deletion, the
/// audit log and its filters, global keys, system status — on SQLite and PostgreSQL.
@Suite struct AdminHTTPTests {
    @Test(arguments: TestDatabase.allCases)
    func adminManagesUsersAndDisabledUsersAreRefusedEverywhere(kind: TestDatabase) async throws {
        let studio = try await TestStudio.make(kind)
        try await studio.app.test(.router) { client in
            let root = try await client.register("root@example.com")
            _ = try await client.register("bob@example.com", password: "bob's long password")
            let login = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"email":"bob@example.com","password":"bob's long password"}"#))
            let bob = try #require(try JSONParser.parse(String(buffer: login.body))["access_token"]?.stringValue)
            let bobCookie = try #require(login.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let cli = try #require(try await client.call(.post, "/api/auth/cli-tokens", token: bob, json: ["name": "ci"]).body["token"]?.stringValue)
            #expect(try await client.call(.get, "/api/auth/me", token: cli).status == .ok)

            let users = try await client.call(.get, "/api/admin/users", token: root)
            #expect(users.status == .ok)
            let list = try #require(users.body["users"]?.arrayValue)
            #expect(list.map { $0["email"]?.stringValue } == ["root@example.com", "bob@example.com"])
            let bobID = try #require(list[1]["id"]?.stringValue)
            #expect(list[1]["counts"]?["providers"]?.intValue == Int64(studio.services.seed.providers.count))
            #expect(list[1]["last_login_at"]?.stringValue?.hasSuffix("Z") == true)
            #expect(try await client.call(.get, "/api/admin/users", token: bob).status == .forbidden)

            // Limits and role.
            let limited = try await client.call(.put, "/api/admin/users/\(bobID)", token: root, json: ["max_jobs_per_hour": 10, "max_concurrent_jobs": 1])
            #expect(limited.status == .ok && limited.body["limits"]?["max_jobs_per_hour"] == 10)
            let partial = try await client.call(.put, "/api/admin/users/\(bobID)", token: root, json: ["max_concurrent_jobs": nil])
            #expect(partial.body["limits"]?["max_jobs_per_hour"] == 10 && partial.body["limits"]?["max_concurrent_jobs"] == .null)
            #expect(try await client.call(.put, "/api/admin/users/\(bobID)", token: root, json: ["role": "owner"]).status == .badRequest)

            // The last admin cannot demote or disable themself.
            let rootID = try #require(list[0]["id"]?.stringValue)
            let demote = try await client.call(.put, "/api/admin/users/\(rootID)", token: root, json: ["role": "user"])
            #expect(demote.status == .conflict && demote.body["error"]?["code"] == "last_admin")
            #expect(try await client.call(.delete, "/api/admin/users/\(rootID)", token: root).status == .conflict)

            // Disable bob: access token, CLI token, refresh cookie and login all refused.
            #expect(try await client.call(.put, "/api/admin/users/\(bobID)", token: root, json: ["disabled": true]).status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: bob).status == .unauthorized)
            #expect(try await client.call(.get, "/api/auth/me", token: cli).status == .unauthorized)
            let refresh = try await client.execute(uri: "/api/auth/refresh", method: .post, headers: [.cookie: bobCookie])
            #expect(refresh.status == .unauthorized || refresh.status == .forbidden)
            let relogin = try await client.call(.post, "/api/auth/login", token: nil, json: ["email": "bob@example.com", "password": "bob's long password"])
            #expect(relogin.status == .forbidden && relogin.body["error"]?["code"] == "account_disabled")
            // Re-enabled, bob signs in again (his old tokens stay revoked).
            #expect(try await client.call(.put, "/api/admin/users/\(bobID)", token: root, json: ["disabled": false]).status == .ok)
            #expect(try await client.call(.post, "/api/auth/login", token: nil, json: ["email": "bob@example.com", "password": "bob's long password"]).status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: cli).status == .unauthorized)

            // Global fallback key: bob sees it masked, never in clear.
            #expect(try await client.call(.put, "/api/admin/keys/sim-openai", token: root, json: ["api_key": "sk-global-fallback-5555"]).status == .ok)
            let bobKeys = try await client.call(.post, "/api/auth/login", token: nil, json: ["email": "bob@example.com", "password": "bob's long password"])
            let bob2 = try #require(bobKeys.body["access_token"]?.stringValue)
            let keys = try await client.call(.get, "/api/keys", token: bob2).body
            #expect(keys["keys"]?.arrayValue?.first?["global"] == true && keys["keys"]?.arrayValue?.first?["masked"] == "…5555")
            #expect(!keys.jsonString.contains("fallback"))
            #expect(try await studio.services.vault.key(userID: bobID, providerID: "sim-openai",
                                                        endpoint: KeyVault.Endpoint(plugin: "openai", baseURL: "simulator")) == "sk-global-fallback-5555")
            #expect(try await client.call(.get, "/api/admin/keys", token: root).body["keys"]?.arrayValue?.count == 1)
            #expect(try await client.call(.delete, "/api/admin/keys/sim-openai", token: root).status == .noContent)

            // System status.
            let system = try await client.call(.get, "/api/admin/system", token: root).body
            #expect(system["database"]?["dialect"]?.stringValue == kind.rawValue)
            #expect(system["users"] == 2 && (system["database"]?["schema_version"]?.intValue ?? 0) >= 1)

            // Delete bob: his rows go, the audit log keeps his entries with the user unset.
            #expect(try await client.call(.delete, "/api/admin/users/\(bobID)", token: root).status == .noContent)
            #expect(try await client.call(.delete, "/api/admin/users/\(bobID)", token: root).status == .notFound)
            #expect(try await studio.services.providers.providers(userID: bobID).isEmpty)
            let bobEntries = try await studio.services.accounts.audit.search(user: "bob@example.com", action: "login.ok")
            #expect(bobEntries.count == 3 && bobEntries.allSatisfy { $0.user_id == nil })

            // Audit filters: by action prefix, by user, by time; newest first.
            let audit = try await client.call(.get, "/api/admin/audit?action=admin.", token: root)
            let actions = audit.body["entries"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            #expect(actions.first == "admin.user.delete" && actions.contains("admin.key.set") && actions.allSatisfy { $0.hasPrefix("admin.") })
            let byUser = try await client.call(.get, "/api/admin/audit?user=\(rootID)", token: root).body["entries"]?.arrayValue ?? []
            #expect(!byUser.isEmpty && byUser.allSatisfy { $0["user_id"]?.stringValue == rootID })
            let future = try await client.call(.get, "/api/admin/audit?since=2999-01-01T00:00:00Z", token: root)
            #expect(future.body["entries"]?.arrayValue?.isEmpty == true)
            let badSince = try await client.call(.get, "/api/admin/audit?since=yesterday", token: root)
            #expect(badSince.status == .badRequest && badSince.body["error"]?["code"] == "invalid_since")
        }
        await studio.close()
    }
}
