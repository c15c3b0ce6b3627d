import Foundation
import HostAuth
import HostStorage
import SQLKit
import StudioJSON
import Testing

@Suite struct AccessTokenTests {
    func signer(_ byte: UInt8 = 7, previous: [[UInt8]] = []) async throws -> AccessTokenSigner {
        try await AccessTokenSigner.make(secret: Array(repeating: byte, count: 32), previous: previous)
    }

    @Test func signAndVerify() async throws {
        let signer = try await signer()
        let token = await signer.sign(userID: "u1", role: "admin", version: 3)
        let claims = try await signer.verify(token)
        #expect(claims.userID == "u1" && claims.role == "admin" && claims.version == 3 && !claims.tokenID.isEmpty)
        #expect(claims.expiresAt - claims.issuedAt == 15 * 60)
        // The header names the algorithm and the key that signed it.
        let header = try JSONParser.parse(bytes: try #require(Base64URL.decode(String(token.split(separator: ".")[0]))))
        #expect(header["alg"] == "HS256" && header["kid"]?.stringValue == signer.currentKeyID && signer.currentKeyID.count == 16)
    }

    @Test func expiresAfterFifteenMinutes() async throws {
        let signer = try await signer()
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        let token = await signer.sign(userID: "u1", role: "user", now: issued)
        #expect((try? await signer.verify(token, now: issued.addingTimeInterval(14 * 60))) != nil)
        await #expect(throws: AccessTokenError.expired) { try await signer.verify(token, now: issued.addingTimeInterval(15 * 60)) }
        // Issued more than a minute in the future (clock skew allowed: one minute).
        let early = try await self.signer(8)
        let ahead = await early.sign(userID: "u1", role: "user", now: issued.addingTimeInterval(120))
        await #expect(throws: AccessTokenError.notYetValid) { try await early.verify(ahead, now: issued) }
    }

    @Test func tamperingAndForeignAlgorithmsAreRefused() async throws {
        let signer = try await signer()
        let token = await signer.sign(userID: "u1", role: "user")
        let parts = token.split(separator: ".").map(String.init)
        // Promote ourselves to admin: the signature no longer matches.
        let forged = Base64URL.encode(Array(#"{"sub":"u1","role":"admin","iat":1,"exp":99999999999}"#.utf8))
        await #expect(throws: AccessTokenError.badSignature) { try await signer.verify(parts[0] + "." + forged + "." + parts[2]) }
        // alg "none" is never accepted, nor another algorithm with our key's signature.
        let none = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        await #expect(throws: AccessTokenError.wrongAlgorithm) { try await signer.verify(none + "." + parts[1] + ".") }
        let hs512 = Base64URL.encode(Array(#"{"alg":"HS512","typ":"JWT"}"#.utf8))
        await #expect(throws: AccessTokenError.wrongAlgorithm) { try await signer.verify(hs512 + "." + parts[1] + "." + parts[2]) }
        // Another key's token, also when it claims our key id.
        let stranger = try await self.signer(9)
        let other = await stranger.sign(userID: "u1", role: "user")
        await #expect(throws: AccessTokenError.badSignature) { try await signer.verify(other) }
        let claimsOurs = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT","kid":"\#(signer.currentKeyID)"}"#.utf8))
        let otherParts = other.split(separator: ".").map(String.init)
        await #expect(throws: AccessTokenError.badSignature) { try await signer.verify(claimsOurs + "." + otherParts[1] + "." + otherParts[2]) }
        await #expect(throws: AccessTokenError.malformed) { try await signer.verify("not-a-jwt") }
        await #expect(throws: AccessTokenError.weakSecret) { try await AccessTokenSigner.make(secret: [1, 2, 3]) }
    }

    /// Rotating the secret logs nobody out: the old secret, kept as previous, verifies the
    /// tokens it signed (by their key id) while new ones are signed with the new secret;
    /// once the old secret is dropped, its tokens stop working.
    @Test func rotationByKeyID() async throws {
        let old = Array(repeating: UInt8(7), count: 32), new = Array(repeating: UInt8(11), count: 32)
        let before = try await AccessTokenSigner.make(secret: old)
        let issuedBefore = await before.sign(userID: "u1", role: "user")
        let rotated = try await AccessTokenSigner.make(secret: new, previous: [old])
        #expect(rotated.currentKeyID != before.currentKeyID)
        #expect(try await rotated.verify(issuedBefore).userID == "u1", "a token signed before the rotation still works")
        let issuedAfter = await rotated.sign(userID: "u2", role: "user")
        #expect(try await rotated.verify(issuedAfter).userID == "u2")
        let header = try JSONParser.parse(bytes: try #require(Base64URL.decode(String(issuedAfter.split(separator: ".")[0]))))
        #expect(header["kid"]?.stringValue == AccessTokenSigner.keyID(of: new))
        // Another instance still on the old secret alone does not accept the new tokens.
        await #expect(throws: AccessTokenError.badSignature) { try await before.verify(issuedAfter) }
        // The old secret dropped: its tokens end.
        let finished = try await AccessTokenSigner.make(secret: new)
        await #expect(throws: AccessTokenError.badSignature) { try await finished.verify(issuedBefore) }
        #expect(try await finished.verify(issuedAfter).userID == "u2")
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

    @Test func aCachedTokenStillExpiresAndATamperedOneIsStillRefused() async throws {
        let signer = try await AccessTokenSigner.make(secret: Array(repeating: 7, count: 32))
        let issued = Date()
        let token = await signer.sign(userID: "u1", role: "user", now: issued)
        #expect(try await signer.verify(token, now: issued).userID == "u1")
        #expect(try await signer.verify(token, now: issued).userID == "u1", "from the memo")
        await #expect(throws: AccessTokenError.expired) { try await signer.verify(token, now: issued.addingTimeInterval(15 * 60)) }
        var tampered = Array(token)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"
        await #expect(throws: AccessTokenError.self) { try await signer.verify(String(tampered), now: issued) }
    }
}
