import Crypto
import Foundation
import StudioJSON

/// Access tokens (SPEC §5): HS256 JWTs valid 15 minutes, carrying the user id and role.
/// HS256 only — the header's algorithm is checked, never trusted — with the signature
/// compared in constant time, and exp/iat/nbf enforced.
public struct AccessTokenSigner: Sendable {
    public static let lifetime: TimeInterval = 15 * 60
    private let key: SymmetricKey

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

/// base64url without padding (RFC 7515).
public enum Base64URL {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { Array($0) }
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
