import Foundation
import HTTPTypes
import HostAuth
import HostHTTP
import HostPlugins
import HostStorage
import Hummingbird
import HummingbirdTesting
import NIOCore
import StudioJSON
import Testing

/// The auth routes as a browser and the CLI use them, on SQLite and PostgreSQL.
@Suite struct AuthHTTPTests {
    static func app(_ kind: TestDatabase) async throws -> (some ApplicationProtocol, StudioDatabase) {
        let studio = try await TestStudio.make(kind)
        return (studio.app, studio.database)
    }

    static func body(_ json: JSONValue) -> ByteBuffer { ByteBuffer(string: json.jsonString) }
    static func parse(_ response: TestResponse) throws -> JSONValue { try JSONParser.parse(String(buffer: response.body)) }
    static func cookie(_ response: TestResponse) -> String? {
        response.headers[.setCookie]?.split(separator: ";").first.map(String.init)
    }

    @Test(arguments: TestDatabase.allCases)
    func registerLoginRefreshRotateLogout(kind: TestDatabase) async throws {
        let (app, database) = try await Self.app(kind)
        try await app.test(.router) { client in
            // Register: the first user is admin, a refresh cookie is set with every flag.
            let registered = try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"],
                                                      body: Self.body(["email": "ada@example.com", "password": "correct horse"]))
            #expect(registered.status == .created)
            let setCookie = registered.headers[.setCookie] ?? ""
            // Secure follows STUDIO_COOKIE_SECURE (auto: off for a client talking plain HTTP to
            // the studio directly, as here); SecurityTests checks every mode.
            #expect(setCookie.contains("HttpOnly") && !setCookie.contains("Secure") && setCookie.contains("SameSite=Strict"))
            let session = try Self.parse(registered)
            #expect(session["user"]?["role"] == "admin")
            let access = try #require(session["access_token"]?.stringValue)
            let cookie1 = try #require(Self.cookie(registered))

            let me = try await client.execute(uri: "/api/auth/me", method: .get, headers: [.authorization: "Bearer \(access)"])
            #expect(me.status == .ok)
            #expect(try Self.parse(me)["email"] == "ada@example.com")
            #expect(try await client.execute(uri: "/api/auth/me", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/auth/me", method: .get, headers: [.authorization: "Bearer nope"]).status == .unauthorized)

            // Refresh rotates the cookie; the old one replayed revokes the family.
            let refreshed = try await client.execute(uri: "/api/auth/refresh", method: .post, headers: [.cookie: cookie1])
            #expect(refreshed.status == .ok)
            let cookie2 = try #require(Self.cookie(refreshed))
            #expect(cookie2 != cookie1)
            let replay = try await client.execute(uri: "/api/auth/refresh", method: .post, headers: [.cookie: cookie1])
            #expect(replay.status == .unauthorized)
            #expect(try Self.parse(replay)["error"]?["code"] == "refresh_failed")
            #expect(try await client.execute(uri: "/api/auth/refresh", method: .post, headers: [.cookie: cookie2]).status == .unauthorized,
                    "the whole family was revoked")

            // Log in again, log out: the cookie no longer refreshes.
            let login = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                                                 body: Self.body(["email": "ADA@example.com", "password": "correct horse"]))
            #expect(login.status == .ok)
            let cookie3 = try #require(Self.cookie(login))
            #expect(try await client.execute(uri: "/api/auth/logout", method: .post, headers: [.cookie: cookie3]).status == .noContent)
            #expect(try await client.execute(uri: "/api/auth/refresh", method: .post, headers: [.cookie: cookie3]).status == .unauthorized)

            // Wrong password and unknown account look alike.
            let wrong = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"], body: Self.body(["email": "ada@example.com", "password": "wrong password"]))
            let unknown = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"], body: Self.body(["email": "who@example.com", "password": "wrong password"]))
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(try Self.parse(wrong) == (try Self.parse(unknown)))
        }
        await database.close()
    }

    @Test(arguments: TestDatabase.allCases)
    func passwordChangeRevokesSessionsAndCLITokens(kind: TestDatabase) async throws {
        let (app, database) = try await Self.app(kind)
        try await app.test(.router) { client in
            let registered = try Self.parse(try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"],
                                                                     body: Self.body(["email": "b@example.com", "password": "first password"])))
            let access = try #require(registered["access_token"]?.stringValue)
            let created = try await client.execute(uri: "/api/auth/cli-tokens", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(access)"],
                                                   body: Self.body(["name": "laptop"]))
            #expect(created.status == .created)
            let cliToken = try #require(try Self.parse(created)["token"]?.stringValue)
            #expect(try await client.execute(uri: "/api/auth/me", method: .get, headers: [.authorization: "Bearer \(cliToken)"]).status == .ok)

            let login = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"], body: Self.body(["email": "b@example.com", "password": "first password"]))
            let cookie = try #require(Self.cookie(login))
            let badChange = try await client.execute(uri: "/api/auth/password", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(access)"],
                                                     body: Self.body(["current_password": "not it!!", "new_password": "second password"]))
            #expect(badChange.status == .badRequest)
            let change = try await client.execute(uri: "/api/auth/password", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(access)"],
                                                  body: Self.body(["current_password": "first password", "new_password": "second password"]))
            #expect(change.status == .noContent)
            #expect(try await client.execute(uri: "/api/auth/refresh", method: .post, headers: [.cookie: cookie]).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/auth/me", method: .get, headers: [.authorization: "Bearer \(cliToken)"]).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                                             body: Self.body(["email": "b@example.com", "password": "second password"])).status == .ok)
        }
        await database.close()
    }

    @Test func cliTokensOfAnotherUserAreNotFound() async throws {
        let (app, database) = try await Self.app(.sqlite)
        try await app.test(.router) { client in
            func register(_ email: String) async throws -> String {
                let r = try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"], body: Self.body(["email": .string(email), "password": "long enough"]))
                return try #require(try Self.parse(r)["access_token"]?.stringValue)
            }
            let alice = try await register("alice@example.com"), bob = try await register("bob@example.com")
            let created = try Self.parse(try await client.execute(uri: "/api/auth/cli-tokens", method: .post,
                                                                  headers: [.contentType: "application/json", .authorization: "Bearer \(alice)"], body: Self.body(["name": "ci"])))
            let id = try #require(created["id"]?.stringValue)
            let list = try Self.parse(try await client.execute(uri: "/api/auth/cli-tokens", method: .get, headers: [.authorization: "Bearer \(bob)"]))
            #expect(list["tokens"]?.arrayValue?.isEmpty == true)
            let delete = try await client.execute(uri: "/api/auth/cli-tokens/\(id)", method: .delete, headers: [.authorization: "Bearer \(bob)"])
            #expect(delete.status == .notFound)
            #expect(try await client.execute(uri: "/api/auth/cli-tokens/\(id)", method: .delete, headers: [.authorization: "Bearer \(alice)"]).status == .noContent)
        }
        await database.close()
    }

    @Test func badInputGetsClearErrorsAndStoresNothing() async throws {
        let (app, database) = try await Self.app(.sqlite)
        try await app.test(.router) { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("{not json", .badRequest, "malformed_json"),
                ("[1,2]", .badRequest, "malformed_json"),
                (#"{"email": 5, "password": "long enough"}"#, .badRequest, "invalid_email"),
                (#"{"email": "x@example.com"}"#, .badRequest, "invalid_password"),
                (#"{"email": "x@example.com", "password": "short"}"#, .badRequest, "invalid_password"),
                (#"{"email": "not-an-email", "password": "long enough"}"#, .badRequest, "invalid_email"),
                (#"{"email": "x@example.com", "password": "long enough", "role": "admin"}"#, .badRequest, "invalid_role"),
                (String(repeating: "[", count: 100) + String(repeating: "]", count: 100), .badRequest, "malformed_json"),
            ]
            for (body, status, code) in cases {
                let response = try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
                #expect(response.status == status, "\(body.prefix(40))")
                #expect(try Self.parse(response)["error"]?["code"]?.stringValue == code, "\(body.prefix(40))")
            }
            let huge = ByteBuffer(string: #"{"email": "x@example.com", "password": ""# + String(repeating: "a", count: 2 << 20) + #""}"#)
            #expect(try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"], body: huge).status == .contentTooLarge)
        }
        #expect(try await UserStore(database: database).count() == 0, "nothing was stored")
        await database.close()
    }
}
