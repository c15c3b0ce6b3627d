import Foundation
import HostAuth
import HostStorage
import SQLKit
import StudioJSON
import Testing

/// Provider keys at rest, on SQLite and PostgreSQL.
@Suite struct KeyVaultTests {
    static let master = Array(repeating: UInt8(0x11), count: 32)
    static let otherMaster = Array(repeating: UInt8(0x22), count: 32)

    @Test(arguments: TestDatabase.allCases)
    func keysAreSealedMaskedAndFallBackToGlobal(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let users = UserStore(database: database)
        let alice = try await users.create(email: "a@example.com", passwordHash: "h")
        let bob = try await users.create(email: "b@example.com", passwordHash: "h")
        let vault = try KeyVault(database: database, masterKey: Self.master)
        try await vault.store(userID: alice.id, providerID: "openai", apiKey: "sk-alice-secret-0001")
        try await vault.store(userID: nil, providerID: "openai", apiKey: "sk-global-secret-9999", boundTo: Self.openai)
        #expect(try await vault.key(userID: alice.id, providerID: "openai", endpoint: Self.openai) == "sk-alice-secret-0001")
        #expect(try await vault.key(userID: bob.id, providerID: "openai", endpoint: Self.openai) == "sk-global-secret-9999", "global fallback")
        #expect(try await vault.key(userID: bob.id, providerID: "openai", endpoint: KeyVault.Endpoint(plugin: "openai", baseURL: "HTTPS://API.OPENAI.COM/v1/"))
                == "sk-global-secret-9999", "the same endpoint however the URL is written")
        // Bob's provider named openai that points elsewhere (or uses another plugin) never gets it.
        #expect(try await vault.key(userID: bob.id, providerID: "openai", endpoint: KeyVault.Endpoint(plugin: "openai", baseURL: "https://203.0.113.9/v1")) == nil)
        #expect(try await vault.key(userID: bob.id, providerID: "openai", endpoint: KeyVault.Endpoint(plugin: "anthropic", baseURL: "https://api.openai.com/v1")) == nil)
        #expect(try await vault.key(userID: bob.id, providerID: "anthropic", endpoint: Self.openai) == nil)
        let listing = try await vault.list(userID: alice.id)
        #expect(listing.contains { $0.providerID == "openai" && $0.last4 == "0001" && !$0.global })
        #expect(listing.contains { $0.providerID == "openai" && $0.last4 == "9999" && $0.global })
        try await vault.store(userID: alice.id, providerID: "openai", apiKey: "sk-alice-new-key-0002")
        #expect(try await vault.key(userID: alice.id, providerID: "openai", endpoint: Self.openai) == "sk-alice-new-key-0002", "replaced, not duplicated")
        // No plaintext anywhere in the table.
        let raw = try await database.withSQL { db in
            try await db.select().columns("ciphertext", "last4").from("user_api_keys").all(decoding: RawRow.self)
        }
        for row in raw { #expect(!String(decoding: row.ciphertext, as: UTF8.self).contains("secret")) }
        #expect(try await vault.delete(userID: bob.id, providerID: "openai") == false, "bob has no key of his own to delete")
        #expect(try await vault.delete(userID: alice.id, providerID: "openai") == true)
        await database.close()
    }

    struct RawRow: Codable { let ciphertext: Data; let last4: String }
    static let openai = KeyVault.Endpoint(plugin: "openai", baseURL: "https://api.openai.com/v1")

    @Test(arguments: TestDatabase.allCases)
    func rotationReencryptsEverythingAndTamperingIsDetected(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let user = try await UserStore(database: database).create(email: "r@example.com", passwordHash: "h")
        let vault = try KeyVault(database: database, masterKey: Self.master)
        for provider in ["openai", "anthropic", "gemini"] {
            try await vault.store(userID: user.id, providerID: provider, apiKey: "key-for-\(provider)-abcd")
        }
        #expect(try await vault.rotate(to: Self.otherMaster) == 3)
        let rotated = try KeyVault(database: database, masterKey: Self.otherMaster)
        for provider in ["openai", "anthropic", "gemini"] {
            #expect(try await rotated.key(userID: user.id, providerID: provider, endpoint: Self.openai) == "key-for-\(provider)-abcd")
        }
        await #expect(throws: KeyVault.VaultError.wrongMasterKey) { try await vault.key(userID: user.id, providerID: "openai", endpoint: Self.openai) }
        // A ciphertext moved to another provider's row no longer opens.
        try await database.withSQL { db in
            try await db.raw("UPDATE user_api_keys SET provider_id = 'moved' WHERE provider_id = 'gemini'").run()
        }
        await #expect(throws: KeyVault.VaultError.tampered) { try await rotated.key(userID: user.id, providerID: "moved", endpoint: Self.openai) }
        await database.close()
    }

    @Test func masterKeyComesFromTheEnvironmentOrAPrivateFile() throws {
        let dir = TestSupport.temporaryDirectory("master")
        let path = dir.appendingPathComponent("keys/master.key").path
        let created = try KeyVault.loadMasterKey(path: path, environment: [:])
        #expect(created.count == 32)
        #expect(try KeyVault.loadMasterKey(path: path, environment: [:]) == created, "the same key on the next start")
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600)
        let fromEnv = try KeyVault.loadMasterKey(path: path, environment: ["STUDIO_MASTER_KEY": Data(Self.master).base64EncodedString()])
        #expect(fromEnv == Self.master)
        #expect(throws: KeyVault.VaultError.badMasterKey) { try KeyVault.loadMasterKey(path: path, environment: ["STUDIO_MASTER_KEY": "short"]) }
    }
}

@Suite struct KeysRotateCommandTests {
    @Test func rotateCommandReencryptsWithoutLoss() async throws {
        let dir = TestSupport.temporaryDirectory("rotate")
        let data = dir.appendingPathComponent("data").path
        let keyFile = dir.appendingPathComponent("secrets/master.key").path
        let database = try await StudioDatabase.open(data + "/studio.db")
        try await Migrations.run(on: database)
        let user = try await UserStore(database: database).create(email: "k@example.com", passwordHash: "h")
        let oldKey = try KeyVault.loadMasterKey(path: keyFile, environment: [:])
        try await KeyVault(database: database, masterKey: oldKey).store(userID: user.id, providerID: "openai", apiKey: "sk-rotate-me-1234")
        await database.close()

        let result = try TestSupport.run(TestSupport.studioExecutable, ["keys", "rotate", "--data", data, "--master-key-file", keyFile],
                                         environment: ProcessInfo.processInfo.environment.filter { $0.key != "STUDIO_MASTER_KEY" && $0.key != "STUDIO_DATABASE_URL" })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("re-encrypted 1 keys"))
        #expect(!result.stdout.contains("sk-rotate-me"), "the key itself is never printed")

        let newKey = try KeyVault.loadMasterKey(path: keyFile, environment: [:])
        #expect(newKey != oldKey)
        let reopened = try await StudioDatabase.open(data + "/studio.db")
        #expect(try await KeyVault(database: reopened, masterKey: newKey).key(userID: user.id, providerID: "openai", endpoint: KeyVaultTests.openai) == "sk-rotate-me-1234")
        await #expect(throws: KeyVault.VaultError.wrongMasterKey) {
            try await KeyVault(database: reopened, masterKey: oldKey).key(userID: user.id, providerID: "openai", endpoint: KeyVaultTests.openai)
        }
        await reopened.close()
        // The database file never holds the key in plaintext.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: data + "/studio.db"))
        #expect(bytes.range(of: Data("sk-rotate-me".utf8)) == nil)
    }
}

import HostHTTP
import HostPlugins
import Hummingbird
import HummingbirdTesting
import NIOCore

@Suite struct KeysHTTPTests {
    @Test func keysAreMaskedOwnedAndAudited() async throws {
        let studio = try await TestStudio.make(.sqlite)
        let database = studio.database
        let vault = studio.services.vault
        try await studio.app.test(.router) { client in
            func register(_ email: String) async throws -> String {
                let r = try await client.execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"], body: AuthHTTPTests.body(["email": .string(email), "password": "long enough"]))
                return try #require(try AuthHTTPTests.parse(r)["access_token"]?.stringValue)
            }
            let alice = try await register("alice@example.com"), bob = try await register("bob@example.com")
            let put = try await client.execute(uri: "/api/keys/sim-openai", method: .put, headers: [.contentType: "application/json", .authorization: "Bearer \(alice)"],
                                               body: AuthHTTPTests.body(["api_key": "sk-alice-very-secret-7777"]))
            #expect(put.status == .ok)
            #expect(!String(buffer: put.body).contains("very-secret"))
            let list = try await client.execute(uri: "/api/keys", method: .get, headers: [.authorization: "Bearer \(alice)"])
            #expect(String(buffer: list.body).contains("…7777") && !String(buffer: list.body).contains("very-secret"))
            let bobList = try AuthHTTPTests.parse(try await client.execute(uri: "/api/keys", method: .get, headers: [.authorization: "Bearer \(bob)"]))
            #expect(bobList["keys"]?.arrayValue?.isEmpty == true)
            #expect(try await client.execute(uri: "/api/keys/sim-openai", method: .delete, headers: [.authorization: "Bearer \(bob)"]).status == .notFound)
            #expect(try await client.execute(uri: "/api/keys/sim-openai", method: .put, headers: [.contentType: "application/json", .authorization: "Bearer \(alice)"],
                                             body: AuthHTTPTests.body(["api_key": 12345])).status == .badRequest)
            #expect(try await client.execute(uri: "/api/keys/bad%20id", method: .put, headers: [.contentType: "application/json", .authorization: "Bearer \(alice)"],
                                             body: AuthHTTPTests.body(["api_key": "sk-xxxxxxxxxx"])).status == .badRequest)
            #expect(try await client.execute(uri: "/api/keys", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/keys/sim-openai", method: .delete, headers: [.authorization: "Bearer \(alice)"]).status == .noContent)
        }
        #expect(try await AuditLog(database: database).entries(action: "key.set").count == 1)
        #expect(try await AuditLog(database: database).entries(action: "key.delete").count == 1)
        await database.close()
    }
}
