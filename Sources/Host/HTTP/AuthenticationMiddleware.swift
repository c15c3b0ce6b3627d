import HostAuth
import HostStorage
import Hummingbird

/// Turns `Authorization: Bearer …` into the context's identity. A request without a token
/// passes with no identity (public routes); a bad or expired token is 401 at once.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = StudioRequestContext
    let accounts: AccountService
    /// The operator's metrics token (STUDIO_METRICS_TOKEN): it proves nothing but the right
    /// to read `/metrics`, so it only marks the context.
    let metricsToken: String?

    func handle(_ request: Request, context: StudioRequestContext,
                next: (Request, StudioRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.lowercased().hasPrefix("bearer "), case let token = String(header.dropFirst(7)), !token.isEmpty else {
            throw APIError(.unauthorized, "invalid_token", "Authorization must be \"Bearer <token>\"")
        }
        if let metricsToken, TokenHashing.constantTimeEqual(token, metricsToken) {
            var context = context
            context.metricsReader = true
            return try await next(request, context)
        }
        guard let user = try await accounts.identify(bearer: token) else {
            throw APIError(.unauthorized, "invalid_token", "the token is invalid, expired or revoked")
        }
        var context = context
        context.identity = Identity(userID: user.id, role: user.role, user: user)
        return try await next(request, context)
    }
}
