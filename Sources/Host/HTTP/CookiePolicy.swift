import HostAuth
import Hummingbird

/// The refresh cookie's attributes and who may use it (docs/deploy.md, "Security").
/// `Secure`: `always`, `never`, or `auto` — set when a trusted proxy says the client came
/// over HTTPS (or says nothing of the scheme), left off for a client talking plain HTTP to
/// the studio directly, where a browser would drop a Secure cookie and the sign-in would
/// not last. Cookie routes (refresh, logout) only answer the studio's own pages: a browser
/// sends the cookie whoever asks, so another site's request is refused by its
/// `Sec-Fetch-Site` or `Origin`.
public struct CookiePolicy: Sendable {
    public enum Secure: String, Sendable, CaseIterable {
        case auto, always, never
    }

    public var secure: Secure
    /// Origins besides the studio's own that may use the cookie (the CORS origins).
    public var allowedOrigins: [String]

    public init(secure: Secure = .auto, allowedOrigins: [String] = []) {
        self.secure = secure
        self.allowedOrigins = allowedOrigins
    }

    /// `forwardedHTTPS`: the context's (nil when no trusted proxy is in front).
    func isSecure(_ forwardedHTTPS: Bool?) -> Bool {
        switch secure {
        case .always: return true
        case .never: return false
        case .auto: return forwardedHTTPS ?? false
        }
    }

    /// `forwardedHTTPS`: the request context's.
    func cookie(_ issued: RefreshTokenStore.Issued, forwardedHTTPS: Bool?) -> String {
        "\(AuthController.cookieName)=\(issued.token); Path=/api/auth; Max-Age=\(RefreshTokenStore.lifetimeMilliseconds / 1000); "
            + attributes(forwardedHTTPS)
    }

    func cleared(forwardedHTTPS: Bool?) -> String {
        "\(AuthController.cookieName)=; Path=/api/auth; Max-Age=0; " + attributes(forwardedHTTPS)
    }

    private func attributes(_ forwardedHTTPS: Bool?) -> String {
        "HttpOnly; " + (isSecure(forwardedHTTPS) ? "Secure; " : "") + "SameSite=Strict"
    }

    /// 403 for a browser request from another site. Requests without `Sec-Fetch-Site` or
    /// `Origin` (the CLI, curl, old browsers on same-origin GETs) pass: they carry no
    /// ambient cookie from another site's page.
    func checkOrigin(_ request: Request) throws {
        // The browser's own word, which no page can forge: same-origin passes whatever Host
        // a proxy in front passed on; another site does not.
        if let site = request.headers[.init("Sec-Fetch-Site")!]?.lowercased() {
            if site == "same-origin" || site == "none" { return }
            if let origin = request.headers[.origin], allowedOrigins.contains(origin) { return }
            throw APIError(.forbidden, "cross_site_request", "this request came from another site: sign in on the studio's own page")
        }
        guard let origin = request.headers[.origin] else { return }
        if allowedOrigins.contains(origin) { return }
        // The page's origin is the scheme and the Host it was served under ("null", from a
        // sandboxed frame or a file, never matches).
        let host = request.head.authority ?? ""
        let bare = origin.split(separator: "://", maxSplits: 1).last.map(String.init) ?? origin
        guard !host.isEmpty, bare.lowercased() == host.lowercased() else {
            throw APIError(.forbidden, "cross_site_request", "this request came from another site (Origin \(origin)): sign in on the studio's own page")
        }
    }
}
