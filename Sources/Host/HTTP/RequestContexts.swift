import HostStorage
import Hummingbird
import NIOCore

/// Who is calling: proven by a valid access token or CLI token.
public struct Identity: Sendable {
    public let userID: String
    public let role: String
    /// The account as read when the token was checked (this request's own read: routes
    /// about the caller use it instead of reading it again).
    public let user: UserRecord
    public var isAdmin: Bool { role == "admin" }
}

/// The context of every studio request. `identity` is filled by AuthenticationMiddleware
/// when the request carries a valid token; routes that need a user take
/// AuthenticatedContext instead, which cannot exist without one.
public struct StudioRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?
    /// The client's IP address (for login rate limits and the audit log): the peer's,
    /// or what a trusted proxy says (ClientAddressMiddleware).
    public var clientIP: String?
    /// Whether the client reached a trusted proxy over HTTPS (nil: no trusted proxy said).
    public var forwardedHTTPS: Bool?
    /// The request carried the operator's metrics token (it may read `/metrics`, nothing else).
    public var metricsReader = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress
    }
}

/// A request with a proven user: constructing it throws 401 otherwise.
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let identity: Identity
    public let clientIP: String?
    public let forwardedHTTPS: Bool?

    public init(context: StudioRequestContext) throws {
        guard let identity = context.identity else {
            throw APIError(.unauthorized, "authentication_required", "sign in first: send Authorization: Bearer <token>")
        }
        coreContext = context.coreContext
        self.identity = identity
        clientIP = context.clientIP
        forwardedHTTPS = context.forwardedHTTPS
    }
}

/// A request from an admin: constructing it throws 401 without a user, 403 for a non-admin.
public struct AdminContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let identity: Identity
    public let clientIP: String?

    public init(context: StudioRequestContext) throws {
        let user = try AuthenticatedContext(context: context)
        guard user.identity.isAdmin else { throw APIError(.forbidden, "admin_only", "this needs an admin account") }
        coreContext = user.coreContext
        identity = user.identity
        clientIP = user.clientIP
    }
}
