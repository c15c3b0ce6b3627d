import HostSecurity
import Hummingbird

/// Replaces the context's client address with the one trusted proxies forwarded
/// (docs/deploy.md, "Security"): login throttling and the audit log then see each client,
/// not the proxy. With no trusted proxy configured, forwarding headers are ignored.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = StudioRequestContext
    let proxies: TrustedProxies

    func handle(_ request: Request, context: StudioRequestContext,
                next: (Request, StudioRequestContext) async throws -> Response) async throws -> Response {
        guard !proxies.networks.isEmpty else { return try await next(request, context) }
        var context = context
        let client = proxies.client(peer: context.clientIP,
                                    forwarded: request.headers[values: .init("Forwarded")!],
                                    xForwardedFor: request.headers[values: .init("X-Forwarded-For")!],
                                    xForwardedProto: request.headers[.init("X-Forwarded-Proto")!])
        context.clientIP = client.ip
        context.forwardedHTTPS = client.https
        return try await next(request, context)
    }
}
