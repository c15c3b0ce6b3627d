import Crypto
import Foundation
import JWTKit
import StudioJSON
import Synchronization

/// Access tokens (docs/security.md): HS256 JWTs valid 15 minutes, carrying the user id,
/// role and token version, signed and verified by jwt-kit. The signing secret has a key id
/// (`kid`) derived from it, so every instance given the same secret agrees without
/// configuration; secrets that no longer sign but still verify (a rotation) are kept by
/// their own key ids until the tokens they signed have expired. The header's algorithm is
/// pinned to HS256 here (jwt-kit checks signatures, not which algorithm a header names),
/// and expiry and issue time are checked against this signer's clock.
public struct AccessTokenSigner: Sendable {
    public static let lifetime: TimeInterval = 15 * 60
    private let keys: JWTKeyCollection
    /// The key id new tokens carry.
    public let currentKeyID: String
    /// Tokens already verified, with their claims: a token is checked (base64, JSON, HMAC)
    /// once, then found here on each of its requests until it expires. Expiry is still
    /// checked on every use; whether the user may still use it is the caller's (token version).
    private let verified = VerifiedTokens()

    /// `secret` signs new tokens; each of `previous` only verifies the tokens it signed
    /// (STUDIO_JWT_PREVIOUS_SECRET while a rotation's old tokens live out their 15 minutes).
    /// Every secret is at least 32 bytes.
    public static func make(secret: [UInt8], previous: [[UInt8]] = []) async throws(AccessTokenError) -> AccessTokenSigner {
        guard secret.count >= 32, previous.allSatisfy({ $0.count >= 32 }) else { throw .weakSecret }
        let keys = JWTKeyCollection()
        // The current key is added last and as the default: a token without a key id
        // (signed before key ids existed) is checked against it.
        for old in previous where old != secret {
            await keys.add(hmac: HMACKey(from: old), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID(of: old)))
        }
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyID(of: secret)))
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return AccessTokenSigner(keys: keys, currentKeyID: keyID(of: secret))
    }

    private init(keys: JWTKeyCollection, currentKeyID: String) {
        self.keys = keys
        self.currentKeyID = currentKeyID
    }

    /// A secret's key id: the first 16 hex digits of its SHA-256 (names the key, reveals nothing usable).
    public static func keyID(of secret: [UInt8]) -> String {
        SHA256.hash(data: secret).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    public struct Claims: Sendable, Equatable {
        public let userID: String
        public let role: String
        public let issuedAt: Int64
        public let expiresAt: Int64
        /// The user's token version when signed: the token dies when the stored one moves on.
        public let version: Int64
        /// The token's own id (for audit lines; never a secret).
        public let tokenID: String
    }

    /// The token's payload as jwt-kit encodes and decodes it (the claim names above).
    struct Payload: JWTPayload {
        let sub: SubjectClaim
        let role: String
        let iat: IssuedAtClaim
        let exp: ExpirationClaim
        let ver: Int64?
        let jti: IDClaim?

        /// Times are checked by the signer against its own clock (tests move it); nothing here.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    public func sign(userID: String, role: String, version: Int = 0, now: Date = Date()) async -> String {
        let iat = now.timeIntervalSince1970.rounded(.down)
        let payload = Payload(sub: SubjectClaim(value: userID), role: role, iat: IssuedAtClaim(value: Date(timeIntervalSince1970: iat)),
                              exp: ExpirationClaim(value: Date(timeIntervalSince1970: iat + Self.lifetime)), ver: Int64(version),
                              jti: IDClaim(value: TokenHashing.randomToken(bytes: 12)))
        do {
            return try await keys.sign(payload, kid: JWKIdentifier(string: currentKeyID))
        } catch {
            // Only a missing key or an unencodable payload fail here; neither can happen.
            preconditionFailure("signing an access token failed: \(error)")
        }
    }

    public func verify(_ token: String, now: Date = Date()) async throws(AccessTokenError) -> Claims {
        let seconds = Int64(now.timeIntervalSince1970)
        if let claims = verified.claims(of: token) {
            guard seconds < claims.expiresAt else { throw .expired }
            guard claims.issuedAt <= seconds + 60 else { throw .notYetValid }
            return claims
        }
        let claims = try await verifyUncached(token, now: now)
        verified.remember(token, claims)
        return claims
    }

    private func verifyUncached(_ token: String, now: Date) async throws(AccessTokenError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])) else { throw .malformed }
        guard let header = try? JSONParser.parse(bytes: headerBytes), header["alg"]?.stringValue == "HS256" else {
            throw .wrongAlgorithm
        }
        let payload: Payload
        do {
            payload = try await keys.verify(token, as: Payload.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch {
            throw .malformed
        }
        let iat = Int64(payload.iat.value.timeIntervalSince1970)
        let exp = Int64(payload.exp.value.timeIntervalSince1970)
        let seconds = Int64(now.timeIntervalSince1970)
        guard seconds < exp else { throw .expired }
        guard iat <= seconds + 60 else { throw .notYetValid }  // one minute of clock skew
        return Claims(userID: payload.sub.value, role: payload.role, issuedAt: iat, expiresAt: exp, version: payload.ver ?? 0,
                      tokenID: payload.jti?.value ?? "")
    }
}

public enum AccessTokenError: Error, Equatable, CustomStringConvertible {
    case weakSecret, malformed, wrongAlgorithm, badSignature, expired, notYetValid

    public var description: String {
        switch self {
        case .weakSecret: return "the JWT secret must be at least 32 bytes"
        case .malformed: return "malformed access token"
        case .wrongAlgorithm: return "access token algorithm is not HS256"
        case .badSignature: return "access token signature is invalid"
        case .expired: return "access token expired"
        case .notYetValid: return "access token is not valid yet"
        }
    }
}

/// The verified-token memo of one signer: bounded (emptied when full, so a flood of
/// distinct tokens costs memory for at most `capacity` of them).
final class VerifiedTokens: Sendable {
    static let capacity = 8192
    private let entries = Mutex<[String: AccessTokenSigner.Claims]>([:])

    func claims(of token: String) -> AccessTokenSigner.Claims? { entries.withLock { $0[token] } }

    func remember(_ token: String, _ claims: AccessTokenSigner.Claims) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }
}

/// base64url without padding (RFC 7515), byte by byte: decoding sits on every
/// authenticated request (the Foundation round trip through String replacements was 9 %
/// of the server's CPU under load).
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// nil for any character outside the base64url alphabet, padding included, or a
    /// length no encoding produces.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { input -> [UInt8]? in
            guard input.count % 4 != 1 else { return nil }
            var output: [UInt8] = []
            output.reserveCapacity(input.count * 3 / 4)
            var accumulator: UInt32 = 0
            var bits = 0
            for byte in input {
                let value: UInt32
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - UInt8(ascii: "A"))
                case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - UInt8(ascii: "a")) + 26
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - UInt8(ascii: "0")) + 52
                case UInt8(ascii: "-"): value = 62
                case UInt8(ascii: "_"): value = 63
                default: return nil
                }
                accumulator = accumulator << 6 | value
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                }
            }
            // Leftover bits must be zero (a canonical encoding).
            guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
            return output
        }
    }
}

/// Opaque tokens (refresh, CLI) are random; only their SHA-256 is stored.
public enum TokenHashing {
    public static func randomToken(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Equality whose time does not depend on where the strings differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
