import Foundation
import HostAuth
import HostStorage
import SQLKit
import Testing

@Suite struct AccessTokenTests {
    let signer = try! AccessTokenSigner(secret: Array(repeating: 7, count: 32))

    @Test func signAndVerify() throws {
        let token = signer.sign(userID: "u1", role: "admin")
        let claims = try signer.verify(token)
        #expect(claims.userID == "u1" && claims.role == "admin")
        #expect(claims.expiresAt - claims.issuedAt == 15 * 60)
    }

    @Test func expiresAfterFifteenMinutes() {
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        let token = signer.sign(userID: "u1", role: "user", now: issued)
        #expect((try? signer.verify(token, now: issued.addingTimeInterval(14 * 60))) != nil)
        #expect(throws: AccessTokenError.expired) { try signer.verify(token, now: issued.addingTimeInterval(15 * 60)) }
    }

    @Test func tamperingAndForeignAlgorithmsAreRefused() throws {
        let token = signer.sign(userID: "u1", role: "user")
        let parts = token.split(separator: ".").map(String.init)
        // Promote ourselves to admin: the signature no longer matches.
        let forged = Base64URL.encode(Array(#"{"sub":"u1","role":"admin","iat":1,"exp":99999999999}"#.utf8))
        #expect(throws: AccessTokenError.badSignature) { try signer.verify(parts[0] + "." + forged + "." + parts[2]) }
        // alg "none" is never accepted.
        let none = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        #expect(throws: AccessTokenError.wrongAlgorithm) { try signer.verify(none + "." + parts[1] + ".") }
        // Another key's token.
        let other = try AccessTokenSigner(secret: Array(repeating: 9, count: 32)).sign(userID: "u1", role: "user")
        #expect(throws: AccessTokenError.badSignature) { try signer.verify(other) }
        #expect(throws: AccessTokenError.malformed) { try signer.verify("not-a-jwt") }
        #expect(throws: AccessTokenError.weakSecret) { try AccessTokenSigner(secret: [1, 2, 3]) }
    }

    @Test func passwordRules() throws {
        let hasher = PasswordHasher(cost: 4)  // the rule, not the cost, is under test here
        #expect(throws: PasswordHasher.Invalid.tooShort) { try hasher.hash("short") }
        let hash = try hasher.hash("correct horse")
        #expect(hash.hasPrefix("$2"))
        #expect(hasher.verify("correct horse", hash: hash))
        #expect(!hasher.verify("wrong horse!", hash: hash))
        #expect(PasswordHasher().cost >= 12)
    }
}

/// Refresh-token rotation and CLI tokens, on SQLite and PostgreSQL.
@Suite struct SessionStoreTests {
    @Test(arguments: TestDatabase.allCases)
    func refreshTokensRotateAndReuseRevokesTheFamily(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let user = try await UserStore(database: database).create(email: "r@example.com", passwordHash: "h")
        let store = RefreshTokenStore(database: database)
        let login = try await store.issue(userID: user.id)
        let second = try await store.rotate(login.token)
        #expect(second.familyID == login.familyID && second.token != login.token)
        let third = try await store.rotate(second.token)
        // The first token again: someone replayed it. The whole family dies, third included.
        await #expect(throws: RefreshTokenStore.Failure.reused) { try await store.rotate(login.token) }
        await #expect(throws: RefreshTokenStore.Failure.revoked) { try await store.rotate(third.token) }
        // Another login is another family, untouched.
        let other = try await store.issue(userID: user.id)
        #expect(try await store.rotate(other.token).userID == user.id)
        await #expect(throws: RefreshTokenStore.Failure.unknown) { try await store.rotate("made-up") }
        await database.close()
    }

    @Test(arguments: TestDatabase.allCases)
    func refreshTokensExpireAndLogoutRevokes(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let user = try await UserStore(database: database).create(email: "e@example.com", passwordHash: "h")
        let store = RefreshTokenStore(database: database)
        let old = try await store.issue(userID: user.id, now: 1_000)
        await #expect(throws: RefreshTokenStore.Failure.expired) {
            try await store.rotate(old.token, now: 1_000 + RefreshTokenStore.lifetimeMilliseconds)
        }
        let session = try await store.issue(userID: user.id)
        try await store.revokeFamily(of: session.token)
        await #expect(throws: RefreshTokenStore.Failure.revoked) { try await store.rotate(session.token) }
        let a = try await store.issue(userID: user.id), b = try await store.issue(userID: user.id)
        try await store.revokeAll(userID: user.id)
        await #expect(throws: RefreshTokenStore.Failure.revoked) { try await store.rotate(a.token) }
        await #expect(throws: RefreshTokenStore.Failure.revoked) { try await store.rotate(b.token) }
        // Only hashes are stored.
        let stored = try await database.withSQL { db in
            try await db.raw("SELECT token_hash FROM refresh_tokens").all(decodingColumn: "token_hash", as: String.self)
        }
        #expect(!stored.contains(a.token) && stored.contains(TokenHashing.hash(a.token)))
        await database.close()
    }

    @Test(arguments: TestDatabase.allCases)
    func cliTokensBelongToTheirOwner(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let users = UserStore(database: database)
        let alice = try await users.create(email: "alice@example.com", passwordHash: "h")
        let bob = try await users.create(email: "bob@example.com", passwordHash: "h")
        let store = CLITokenStore(database: database)
        let (token, id) = try await store.create(userID: alice.id, name: "laptop")
        #expect(try await store.authenticate(token) == alice.id)
        #expect(try await store.list(userID: alice.id).map(\.name) == ["laptop"])
        #expect(try await store.list(userID: bob.id).isEmpty)
        #expect(try await store.revoke(userID: bob.id, id: id) == false, "bob cannot revoke alice's token")
        #expect(try await store.authenticate(token) == alice.id)
        #expect(try await store.revoke(userID: alice.id, id: id) == true)
        #expect(try await store.authenticate(token) == nil)
        await database.close()
    }
}

/// The byte-level base64url decoder against Foundation's, on every length and on input
/// no encoder produces.
@Suite struct Base64URLTests {
    @Test func decodesWhatFoundationEncodes() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes, "length \(length)")
        }
        // Not the alphabet, padding, an impossible length, leftover bits that are not zero.
        for bad in ["a", "ab=", "a+b", "a/bc", "ab c", "é", "abc=", "AB"] { #expect(Base64URL.decode(bad) == nil, "\(bad)") }
        #expect(Base64URL.decode("AA") == [0] && Base64URL.decode("AAE") == [0, 1])
    }

    @Test func aCachedTokenStillExpiresAndATamperedOneIsStillRefused() throws {
        let signer = try AccessTokenSigner(secret: Array(repeating: 7, count: 32))
        let issued = Date()
        let token = signer.sign(userID: "u1", role: "user", now: issued)
        #expect(try signer.verify(token, now: issued).userID == "u1")
        #expect(try signer.verify(token, now: issued).userID == "u1", "from the memo")
        #expect(throws: AccessTokenError.expired) { try signer.verify(token, now: issued.addingTimeInterval(15 * 60)) }
        var tampered = Array(token)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
        #expect(throws: AccessTokenError.self) { try signer.verify(String(tampered), now: issued) }
    }
}
