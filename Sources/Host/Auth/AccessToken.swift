import Crypto
import Foundation
import StudioJSON
import Synchronization

/// Access tokens (docs/security.md): HS256 JWTs valid 15 minutes, carrying the user id and role.
/// HS256 only — the header's algorithm is checked, never trusted — with the signature
/// compared in constant time, and exp/iat/nbf enforced.
public struct AccessTokenSigner: Sendable {
    public static let lifetime: TimeInterval = 15 * 60
    private let key: SymmetricKey
    /// Tokens already verified, with their claims: a token is checked (base64, JSON, HMAC)
    /// once, then found here on each of its requests until it expires. Expiry is still
    /// checked on every use; whether the user may still use it is the caller's (token version).
    private let verified = VerifiedTokens()

    /// `secret`: at least 32 bytes (STUDIO_JWT_SECRET, or a generated file in the data folder).
    public init(secret: [UInt8]) throws {
        guard secret.count >= 32 else { throw AccessTokenError.weakSecret }
        key = SymmetricKey(data: secret)
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

    public func sign(userID: String, role: String, version: Int = 0, now: Date = Date()) -> String {
        let iat = Int64(now.timeIntervalSince1970)
        let header: JSONValue = ["alg": "HS256", "typ": "JWT"]
        let payload: JSONValue = ["sub": .string(userID), "role": .string(role), "iat": .int(iat),
                                  "exp": .int(iat + Int64(Self.lifetime)), "ver": .int(Int64(version)), "jti": .string(TokenHashing.randomToken(bytes: 12))]
        let signingInput = Base64URL.encode(Array(header.jsonString.utf8)) + "." + Base64URL.encode(Array(payload.jsonString.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return signingInput + "." + Base64URL.encode(Array(mac))
    }

    public func verify(_ token: String, now: Date = Date()) throws(AccessTokenError) -> Claims {
        let seconds = Int64(now.timeIntervalSince1970)
        if let claims = verified.claims(of: token) {
            guard seconds < claims.expiresAt else { throw .expired }
            guard claims.issuedAt <= seconds + 60 else { throw .notYetValid }
            return claims
        }
        let claims = try verifyUncached(token, now: now)
        verified.remember(token, claims)
        return claims
    }

    private func verifyUncached(_ token: String, now: Date) throws(AccessTokenError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])),
              let payloadBytes = Base64URL.decode(String(parts[1])), let signature = Base64URL.decode(String(parts[2])) else {
            throw .malformed
        }
        guard let header = try? JSONParser.parse(bytes: headerBytes), header["alg"]?.stringValue == "HS256" else {
            throw .wrongAlgorithm
        }
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            throw .badSignature
        }
        guard let payload = try? JSONParser.parse(bytes: payloadBytes), let sub = payload["sub"]?.stringValue,
              let role = payload["role"]?.stringValue, let iat = payload["iat"]?.intValue, let exp = payload["exp"]?.intValue else {
            throw .malformed
        }
        let seconds = Int64(now.timeIntervalSince1970)
        guard seconds < exp else { throw .expired }
        guard iat <= seconds + 60 else { throw .notYetValid }  // one minute of clock skew
        return Claims(userID: sub, role: role, issuedAt: iat, expiresAt: exp, version: payload["ver"]?.intValue ?? 0,
                      tokenID: payload["jti"]?.stringValue ?? "")
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
