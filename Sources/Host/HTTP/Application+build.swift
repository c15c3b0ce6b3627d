import HostAuth
import HostJobs
import HostJudge
import HostPlugins
import WebUI
import Hummingbird
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import StudioJSON

/// Builds the studio's HTTP application. Grows with each concern (auth, jobs, ...); each
/// concern adds its controller in `buildRoutes`, so that function is the map of the server.
public func buildApplication(host: String, port: Int, services: StudioServices) -> some ApplicationProtocol {
    // A client that sends its headers or body slowly (or not at all), or idles between
    // requests, is disconnected: no connection is held open by a partial request.
    let timeout = TimeAmount.seconds(services.options.requestReadTimeoutSeconds)
    return Application(router: buildRoutes(services).router,
                       server: .http1(configuration: .init(additionalChannelHandlers: [RequestReadDeadline(limit: timeout)],
                                                           idleTimeout: timeout)),
                       configuration: .init(address: .hostname(host, port: port), serverName: "studio"))
}

/// The routes and middleware, apart from the server, so tests can drive them directly and
/// read the route table (the OpenAPI document and the generated tests come from it).
public func buildRoutes(_ services: StudioServices) -> RouteTable {
    let router = Router(context: StudioRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ClientAddressMiddleware(proxies: services.options.trustedProxies))
    if !services.options.corsOrigins.isEmpty { router.add(middleware: CORSMiddleware(origins: services.options.corsOrigins)) }
    // The dashboard: static files for any path no route answers (GET / → index.html).
    if let folder = services.options.webUIDirectory ?? WebUI.directory {
        router.add(middleware: FileMiddleware(folder, cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true))
    }
    let routes = RouteTable(router: router)
    HealthController().addRoutes(to: routes)
    router.add(middleware: AuthenticationMiddleware(accounts: services.accounts, metricsToken: services.options.metricsToken))
    MetricsController(services: services).addRoutes(to: routes)
    AuthController(accounts: services.accounts, onRegister: { try await services.seedNewUser($0) },
                   cookies: CookiePolicy(secure: services.options.cookieSecure, allowedOrigins: services.options.corsOrigins)).addRoutes(to: routes)
    KeysController(vault: services.vault, providers: services.providers, audit: services.accounts.audit).addRoutes(to: routes)
    ConfigController(services: services).addRoutes(to: routes)
    PluginsController(services: services).addRoutes(to: routes)
    AdminController(services: services).addRoutes(to: routes)
    JobsController(services: services).addRoutes(to: routes)
    RunsController(services: services).addRoutes(to: routes)
    SchedulesController(services: services).addRoutes(to: routes)
    SuitesController(services: services).addRoutes(to: routes)
    JudgeController(services: services).addRoutes(to: routes)
    // Last, so the document lists every route above.
    let document = OpenAPI.document(routes.specs + [OpenAPIController.spec])
    routes.public(.get, OpenAPIController.spec.path, OpenAPIController.spec.summary) { _, _, _ in Response.json(document) }
    return routes
}

enum OpenAPIController {
    static let spec = RouteSpec(method: .get, path: "/api/openapi.json", access: .public,
                                summary: "This document (OpenAPI 3.1)", body: nil, owned: nil, query: [], success: .ok)
}

/// `GET /healthz`: liveness and version for anyone (a load balancer's probe); what an
/// operator wants at a glance (plugins, simulator, judge prompts) is at
/// `GET /api/admin/system`, behind an admin sign-in.
struct HealthController {
    func addRoutes(to routes: RouteTable) {
        routes.public(.get, "/healthz", "Liveness and version (details: GET /api/admin/system)") { _, _, _ in
            Response.json(["status": "ok", "version": .string(StudioVersion.current)])
        }
    }
}

/// `GET /api/plugins`: what is loaded and what was refused, for every signed-in user;
/// `POST /api/admin/plugins/rescan` loads the plugin folders again (after an install).
struct PluginsController {
    let services: StudioServices

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/plugins", "Loaded plugins (id, version, kinds, ABI, checksum) and load errors") { _, _, _ in
            Self.listing(services.plugins)
        }
        routes.admin(.post, "/api/admin/plugins/rescan", "Load the plugin folders again (installed checksums enforced)") { _, context, _ in
            let registry = try await services.rescanPlugins()
            try await services.accounts.audit.record(userID: context.identity.userID, email: nil, action: "admin.plugins.rescan",
                                                     target: "\(registry.plugins.count) loaded, \(registry.failures.count) refused",
                                                     ip: context.clientIP)
            return Self.listing(registry)
        }
    }

    static func listing(_ plugins: PluginRegistry) -> Response {
            Response.json([
                "plugins": .array(plugins.plugins.map { p in
                    ["id": .string(p.id), "name": .string(p.manifest.name), "version": .string(p.manifest.version),
                     "kinds": .array(p.kinds.map(JSONValue.string)), "abi": .string("\(p.abiVersion)"),
                     "language": p.manifest.language.map(JSONValue.string) ?? .null,
                     "sha256": .string(p.sha256), "path": .string(p.path)]
                }),
                "load_errors": .array(plugins.failures.map { .string($0.description) }),
            ])
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
        var response: Response
        do { response = try await next(request, context) } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        return response
    }
}

/// CORS for the listed origins only (SPEC §9: off unless CORS_ORIGINS is set). Answers
/// preflights; never allows credentials from an origin not listed.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else { return try await next(request, context) }
        var response: Response
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, PUT, DELETE"
            response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type, Last-Event-ID"
            response.headers[.accessControlMaxAge] = "600"
        } else {
            do { response = try await next(request, context) } catch let error as any HTTPResponseError {
                response = try error.response(from: request, context: context)
            }
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlAllowCredentials] = "true"
        response.headers[.vary] = "Origin"
        return response
    }
}

/// Closes a connection whose request has not fully arrived `limit` after its head: the
/// idle timeout alone lets a client trickle one body byte per interval forever.
final class RequestReadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    let limit: TimeAmount
    private var timer: Scheduled<Void>?

    init(limit: TimeAmount) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            let channel = context.channel
            timer?.cancel()
            timer = context.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
        case .end:
            timer?.cancel()
            timer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel() }
}
