import HostAuth
import HostPlugins
import Hummingbird
import StudioJSON

/// Builds the studio's HTTP application. Grows with each concern (auth, jobs, ...); each
/// concern adds its controller here, so this file is the map of the server.
public func buildApplication(host: String, port: Int, plugins: PluginRegistry, accounts: AccountService,
                             vault: KeyVault? = nil, simulatorURL: String? = nil) -> some ApplicationProtocol {
    let router = buildRouter(plugins: plugins, accounts: accounts, vault: vault, simulatorURL: simulatorURL)
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "studio"))
}

/// The routes and middleware, apart from the server, so tests can drive them directly.
public func buildRouter(plugins: PluginRegistry, accounts: AccountService, vault: KeyVault? = nil,
                        simulatorURL: String? = nil) -> Router<StudioRequestContext> {
    let router = Router(context: StudioRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    HealthController(plugins: plugins, simulatorURL: simulatorURL).addRoutes(to: router)
    router.add(middleware: AuthenticationMiddleware(accounts: accounts))
    AuthController(accounts: accounts).addRoutes(to: router)
    if let vault { KeysController(vault: vault, audit: accounts.audit).addRoutes(to: router) }
    return router
}

/// `GET /healthz`: liveness plus what an operator wants at a glance.
struct HealthController {
    let plugins: PluginRegistry
    let simulatorURL: String?

    func addRoutes(to router: Router<StudioRequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            let body: JSONValue = [
                "status": "ok", "version": .string(StudioVersion.current),
                "plugins": .int(Int64(plugins.plugins.count)),
                "plugin_load_errors": .int(Int64(plugins.failures.count)),
                "simulator": simulatorURL.map(JSONValue.string) ?? .null,
            ]
            return Response.json(body)
        }
    }
}

extension Response {
    /// A JSON response from a JSONValue (UTF-8, no caching of API answers).
    public static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(value.jsonString)
        return Response(status: status,
                        headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: buffer))
    }
}

/// Security headers on every response (SPEC §9). The CSP forbids inline script and style.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        return response
    }
}
