import HostAuth
import HostJobs
import HostJudge
import HostPlugins
import HostStorage
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
    _ = StudioMetrics.registry  // swift-metrics' backend, before anything records
    router.add(middleware: MetricsMiddleware())  // requests and durations per route template (no ids)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ClientAddressMiddleware(proxies: services.options.trustedProxies))
    if !services.options.corsOrigins.isEmpty { router.add(middleware: CORSMiddleware(origins: services.options.corsOrigins)) }
    // The dashboard: its files, compressed and versioned once (GET / → index.html).
    if let folder = services.options.webUIDirectory ?? WebUI.directory, let dashboard = DashboardMiddleware<StudioRequestContext>(folder: folder) {
        router.add(middleware: dashboard)
    }
    let routes = RouteTable(router: router)
    HealthController().addRoutes(to: routes)
    router.add(middleware: AuthenticationMiddleware(accounts: services.accounts, metricsToken: services.options.metricsToken))
    let status = SystemStatus(database: services.database, users: services.accounts.users, catalog: services.catalog, runner: services.runner,
                              simulatorURL: services.options.simulatorURL, allowLocalEndpoints: services.options.allowLocalEndpoints,
                              judgePromptVersions: services.judge.prompts?.versions ?? [])
    MetricsController(jobs: services.jobStore, hub: services.hub, status: status).addRoutes(to: routes)
    AuthController(accounts: services.accounts, onRegister: { try await services.seedNewUser($0) },
                   cookies: CookiePolicy(secure: services.options.cookieSecure, allowedOrigins: services.options.corsOrigins)).addRoutes(to: routes)
    KeysController(vault: services.vault, providers: services.providers, audit: services.accounts.audit).addRoutes(to: routes)
    let audit = services.accounts.audit
    ConfigController(providers: services.providers, settings: services.settings, catalog: services.catalog,
                     addressPolicy: services.addressPolicy, auditLog: audit, configuration: services.configuration,
                     transport: services.transport, simulatorURL: services.options.simulatorURL).addRoutes(to: routes)
    PluginsController(catalog: services.catalog, policies: PluginPolicyStore(database: services.database), audit: audit,
                      rescan: { try await services.rescanPlugins() }).addRoutes(to: routes)
    AdminController(accounts: services.accounts, vault: services.vault, providers: services.providers, status: status).addRoutes(to: routes)
    JobsController(jobs: services.jobStore, hub: services.hub, runner: services.runner, queue: services.queue, checks: services.checks,
                   audit: audit, heartbeatSeconds: services.options.sseHeartbeatSeconds).addRoutes(to: routes)
    RunsController(runs: services.runStore, audit: audit).addRoutes(to: routes)
    SchedulesController(schedules: services.schedules, scheduler: services.scheduler, suites: services.suites, checks: services.checks,
                        clock: services.options.schedulerClock, auditLog: audit).addRoutes(to: routes)
    SuitesController(suites: services.suites, evals: services.evals, judge: services.judge, catalog: services.catalog,
                     queue: services.queue, checks: services.checks, audit: audit).addRoutes(to: routes)
    ProfilesController(profiles: services.providers.profiles, experiments: services.experiments, evals: services.evals, tuning: services.tuning,
                       checks: services.checks).addRoutes(to: routes)
    ExperimentsController(experiments: services.experiments, suites: services.suites, evals: services.evals, tuning: services.tuning,
                          queue: services.queue, checks: services.checks).addRoutes(to: routes)
    PromptLibraryController(library: services.library).addRoutes(to: routes)
    TuningController(tuning: services.tuning, library: services.library, tuner: services.tuner, suites: services.suites, catalog: services.catalog,
                     queue: services.queue, jobs: services.jobStore, checks: services.checks, audit: audit).addRoutes(to: routes)
    JudgeController(judge: services.judge, evals: services.evals, settings: services.settings, queue: services.queue,
                    audit: audit).addRoutes(to: routes)
    // Last, so the document lists every route above.
    let document = OpenAPI.document(routes.specs + [OpenAPIController.spec])
    routes.public(.get, OpenAPIController.spec.path, OpenAPIController.spec.summary) { _, _, _ in Response.json(document) }
    return routes
}

enum OpenAPIController {
    static let spec = RouteSpec(method: .get, path: "/api/openapi.json", access: .public,
                                summary: "This document (OpenAPI 3.1)", body: nil, owned: nil, query: [], success: .ok)
}
