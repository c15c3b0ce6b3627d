import Crypto
import CryptoExtras
import Foundation
import HostTransport
import StudioJSON
import Synchronization

/// Google service-account credentials for providers whose manifest names the auth style
/// `oauth2-service-account` (Vertex AI; docs/plugin-abi.md). The key is the service
/// account's JSON key file's text; the host signs an RS256 JWT with its private key and
/// exchanges it at the key's `token_uri` for an access token (RFC 7523), which it sends as
/// a bearer. The exchange is I/O, so it is the host's, made through the provider calls'
/// transport and SSRF policy, and each token is reused until 5 minutes before it expires.
public struct GoogleServiceAccount: Sendable {
    public let clientEmail: String
    public let tokenURI: String
    let keyID: String?
    let privateKey: _RSA.Signing.PrivateKey

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A key's JSON text: `type` "service_account", `client_email`, `private_key` (PEM),
    /// `private_key_id`, `token_uri` (https, or http on this machine for the simulator).
    public init(json text: String) throws(Invalid) {
        guard let json = try? JSONParser.parse(text), json.objectValue != nil else {
            throw Invalid(description: "the key is not a service account's JSON key (it does not parse as JSON)")
        }
        guard json["type"]?.stringValue == "service_account" else {
            throw Invalid(description: "the JSON key's type is \(json["type"]?.jsonString ?? "missing"), not \"service_account\"")
        }
        guard let email = json["client_email"]?.stringValue, !email.isEmpty else { throw Invalid(description: "the JSON key has no client_email") }
        guard let pem = json["private_key"]?.stringValue,
              let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) else {
            throw Invalid(description: "the JSON key's private_key is not an RSA private key of 2048 bits or more in PEM")
        }
        let uri = json["token_uri"]?.stringValue ?? "https://oauth2.googleapis.com/token"
        guard uri.hasPrefix("https://") || uri.hasPrefix("http://127.0.0.1") || uri.hasPrefix("http://localhost") else {
            throw Invalid(description: "the JSON key's token_uri must be https")
        }
        clientEmail = email
        tokenURI = uri
        keyID = json["private_key_id"]?.stringValue
        privateKey = key
    }

    /// The signed JWT the token endpoint takes: issued now, valid for an hour, for `scope`.
    public func assertion(scope: String, now: Date) throws -> String {
        var header: JSONObject = ["alg": "RS256", "typ": "JWT"]
        if let keyID { header["kid"] = .string(keyID) }
        let issued = Int64(now.timeIntervalSince1970)
        let claims: JSONValue = ["iss": .string(clientEmail), "scope": .string(scope), "aud": .string(tokenURI),
                                 "iat": .int(issued), "exp": .int(issued + 3600)]
        let signingInput = Self.base64URL(Array(JSONValue.object(header).jsonString.utf8)) + "." + Self.base64URL(Array(claims.jsonString.utf8))
        let signature = try privateKey.signature(for: Array(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(Array(signature.rawRepresentation))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Access tokens by account and scope, shared by every call of the process: a token is
/// exchanged once and reused until 5 minutes before it expires; calls that need one at
/// the same moment share one exchange.
public actor AccessTokens {
    public static let shared = AccessTokens()

    struct Entry { let token: String; let expires: Date }
    private var tokens: [String: Entry] = [:]
    private var exchanging: [String: Task<Result<Entry, WholeExchange.Failure>, Never>] = [:]
    /// Exchanges made (the tests count them).
    public private(set) var exchanges = 0

    public func token(for account: GoogleServiceAccount, scope: String, transport: Transport, now: Date = Date())
        async -> Result<String, WholeExchange.Failure>
    {
        let key = account.clientEmail + " " + account.tokenURI + " " + scope
        if let entry = tokens[key], entry.expires.timeIntervalSince(now) > 300 { return .success(entry.token) }
        let task: Task<Result<Entry, WholeExchange.Failure>, Never>
        if let running = exchanging[key] {
            task = running
        } else {
            exchanges += 1
            task = Task { await Self.exchange(account, scope: scope, transport: transport, now: now) }
            exchanging[key] = task
        }
        let result = await task.value
        exchanging[key] = nil
        if case .success(let entry) = result { tokens[key] = entry }
        return result.map(\.token)
    }

    static func exchange(_ account: GoogleServiceAccount, scope: String, transport: Transport, now: Date) async -> Result<Entry, WholeExchange.Failure> {
        let assertion: String
        do { assertion = try account.assertion(scope: scope, now: now) } catch {
            return .failure(.init(errorClass: "auth_failed", message: "the service account's key could not sign: \(error)"))
        }
        let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion
        let answer = await WholeExchange.fetch(transport, method: "POST", url: account.tokenURI,
                                               headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                               body: Array(form.utf8), maxBody: 64 << 10, timeoutSeconds: 30)
        switch answer {
        case .failure(let failure):
            return .failure(.init(errorClass: failure.errorClass, message: "the token exchange at \(account.tokenURI) failed: \(failure.message)"))
        case .success(let (status, body)):
            let json = try? JSONParser.parse(bytes: body)
            guard (200..<300).contains(status), let token = json?["access_token"]?.stringValue, !token.isEmpty else {
                // {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
                let reason = [json?["error"]?.stringValue, json?["error_description"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
                return .failure(.init(errorClass: "auth_failed",
                                      message: "the token exchange for \(account.clientEmail) was refused (HTTP \(status))" + (reason.isEmpty ? "" : ": \(reason)")))
            }
            let lifetime = json?["expires_in"]?.doubleValue ?? 3600
            return .success(Entry(token: token, expires: now.addingTimeInterval(max(0, min(lifetime, 86_400)))))
        }
    }
}
