import Foundation
import HostPlugins
import HostSecurity
import HostTransport
import StudioJSON

/// A provider endpoint ready to call: the plugin instance for one base URL, and the key
/// the host signs with (the plugin never sees it).
public struct ProviderEndpoint: Sendable {
    public let provider: ProviderInstance
    public let apiKey: String?

    public init(provider: ProviderInstance, apiKey: String?) {
        self.provider = provider
        self.apiKey = apiKey
    }

    /// The endpoint ready to sign: for the auth style `oauth2-service-account`, a
    /// service account's JSON key is exchanged for an access token (cached; docs/plugin-abi.md)
    /// and the endpoint returned carries the token; any other endpoint is itself.
    public func authorized(transport: Transport) async -> Result<ProviderEndpoint, WholeExchange.Failure> {
        let auth = provider.plugin.manifest.provider?["auth"]
        guard auth?["style"]?.stringValue == "oauth2-service-account", let key = apiKey,
              key.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") else { return .success(self) }
        let account: GoogleServiceAccount
        do { account = try GoogleServiceAccount(json: key) } catch {
            return .failure(.init(errorClass: "auth_failed", message: error.description))
        }
        let scope = auth?["scope"]?.stringValue ?? "https://www.googleapis.com/auth/cloud-platform"
        return await AccessTokens.shared.token(for: account, scope: scope, transport: transport)
            .map { ProviderEndpoint(provider: provider, apiKey: $0) }
    }

    /// The manifest's auth style applied to a request the plugin built. `timeBound`: the
    /// signature carries `now` and expires (SigV4), so a request kept for later sends is
    /// signed again before it goes stale.
    func sign(method: String, url: String, headers: [(String, String)], body: [UInt8]?, now: Date)
        -> (url: String, headers: [(String, String)], timeBound: Bool)
    {
        guard let key = apiKey, !key.isEmpty else { return (url, headers, false) }
        let auth = provider.plugin.manifest.provider?["auth"]
        if auth?["style"]?.stringValue == "aws-sigv4" {
            // AWS credentials are signed with SigV4; any other key (a Bedrock API key) is a bearer.
            guard let signer = AWSSigV4(key: key, service: auth?["service"]?.stringValue ?? "bedrock") else {
                return (url, headers + [("Authorization", "Bearer \(key)")], false)
            }
            // An unparsable URL stays unsigned: the transport refuses it with the reason.
            let added = (try? signer.sign(method: method, url: url, headers: headers, body: body, date: now)) ?? []
            return (url, headers + added, true)
        }
        if auth?["style"]?.stringValue == "oauth2-service-account", key.hasPrefix("{") {
            return (url, headers, false)  // a key not exchanged (authorized() was skipped): never sent as it is
        }
        let (signedURL, signedHeaders) = sign(url: url, headers: headers, key: key, auth: auth)
        return (signedURL, signedHeaders, false)
    }

    private func sign(url: String, headers: [(String, String)], key: String, auth: JSONValue?) -> (String, [(String, String)]) {
        // `jwt_style`: how to send a key that is a JWT (an OAuth access token, e.g. Azure's
        // Entra ID tokens) when the provider's own keys go another way (docs/plugin-abi.md).
        let style = auth?["jwt_style"]?.stringValue.flatMap { Self.looksLikeJWT(key) ? $0 : nil }
            ?? auth?["style"]?.stringValue ?? "bearer"
        switch style {
        case "header":
            return (url, headers + [(auth?["header"]?.stringValue ?? "x-api-key", key)])
        case "query":
            let param = auth?["param"]?.stringValue ?? "key"
            let escaped = key.addingPercentEncodingForQuery()
            return (url + (url.contains("?") ? "&" : "?") + "\(param)=\(escaped)", headers)
        case "none":
            return (url, headers)
        default:
            return (url, headers + [("Authorization", "Bearer \(key)")])
        }
    }

    /// Three base64url segments, the first a JSON object (`eyJ` is `{"` encoded).
    static func looksLikeJWT(_ key: String) -> Bool {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && key.hasPrefix("eyJ")
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } }
    }
}
