import Foundation
import HostAuth
import HostBenchmark
import HostConfig
import HostEvals
import HostJobs
import HostJudge
import HostPlugins
import HostScheduler
import HostSecurity
import HostStorage
import HostTransport
import StudioJSON

/// Everything the HTTP layer needs, built once by `studio serve` (or by a test) and handed
/// to every controller. Owns nothing itself: the database and plugins outlive it.
public struct StudioServices: Sendable {
    public let database: StudioDatabase
    public let accounts: AccountService
    public let vault: KeyVault
    /// The loaded plugins, replaced by a rescan.
    public let catalog: PluginCatalog
    /// The plugins as of now.
    public var plugins: PluginRegistry { catalog.current }
    /// New users are seeded with this configuration's providers and models.
    public let seed: StudioConfig
    public let providers: ProviderStore
    public let settings: UserSettingsStore
    public let jobStore: JobStore
    public let runStore: RunStore
    /// Live fan-out of job events to this instance's SSE clients.
    public let hub: JobEventHub
    /// Claims and runs queued jobs; `studio serve` (or a test) runs `runner.run()`.
    public let runner: JobRunner
    /// Where every job is submitted: routes, schedules, auto-judge.
    public let queue: JobQueue
    /// Outbound calls made for users' jobs, under the SSRF policy.
    public let transport: Transport
    public let schedules: ScheduleStore
    public let suites: SuiteStore
    public let evals: EvalStore
    /// Tuning runs and their trials, and the executor that runs them (for its estimates).
    public let tuning: TuningStore
    public let experiments: ExperimentStore
    /// The prompt library (the prompt tuner saves its best there).
    public let library: PromptLibraryStore
    public let tuner: TuningJobExecutor
    /// The judge's settings, model resolution, prompts and reports.
    public let judge: JudgeServices
    /// Users' providers and models as a configuration, with their keys.
    public let configuration: UserConfiguration
    /// Fires due schedules; `studio serve` (or a test) runs it.
    public let scheduler: Scheduler
    public let options: Options

    public struct Options: Sendable {
        /// The embedded simulator's base URL, when one runs.
        public var simulatorURL: String?
        /// Lets users point providers at loopback/private addresses (Ollama, vLLM on the
        /// same host). Off by default: SSRF policy, docs/configuration.md.
        public var allowLocalEndpoints = false
        /// Origins allowed to call the API from a browser; empty means CORS is off.
        public var corsOrigins: [String] = []
        /// Per-user job limits for users without their own.
        public var jobLimits = JobStore.Limits()
        /// Seconds between SSE heartbeat comments (docs/api.md: 15).
        public var sseHeartbeatSeconds = 15
        /// Runner tuning (lease, parallelism, queue polling).
        public var runner = JobRunner.Settings()
        /// The scheduler's time (tests move a clock by hand).
        public var schedulerClock: any SchedulerClock = SystemSchedulerClock()
        /// The dashboard's files (default: WebUI.directory).
        public var webUIDirectory: String?
        /// The scheduler's longest nap: how soon another instance's schedule edits are seen.
        public var schedulerMaxSleepMilliseconds: Int64 = 30_000
        /// Seconds before a judge call's first retry on 429/5xx (doubled each retry).
        public var judgeRetryDelay = 0.5
        /// Proxies whose forwarding headers name the client (none by default).
        public var trustedProxies = TrustedProxies()
        /// Whether the refresh cookie is `Secure` (auto: as a trusted proxy says).
        public var cookieSecure = CookiePolicy.Secure.auto
        /// A bearer token that may read `/metrics` besides admins (a Prometheus scraper's).
        public var metricsToken: String?
        /// Registrations one client address may attempt per hour.
        public var registrationsPerHour = 10
        /// Seconds a client may take to send a request's headers and body, and to stay idle
        /// between requests, before its connection is closed.
        public var requestReadTimeoutSeconds: Int64 = 30
        public init(simulatorURL: String? = nil, allowLocalEndpoints: Bool = false, corsOrigins: [String] = []) {
            self.simulatorURL = simulatorURL
            self.allowLocalEndpoints = allowLocalEndpoints
            self.corsOrigins = corsOrigins
        }
    }

    public init(database: StudioDatabase, accounts: AccountService, vault: KeyVault, plugins: PluginRegistry,
                seed: StudioConfig = .builtIn, options: Options = Options()) {
        self.database = database
        var accounts = accounts
        accounts.registrationsPerHour = options.registrationsPerHour
        self.accounts = accounts
        self.vault = vault
        let catalog = PluginCatalog(plugins)
        self.catalog = catalog
        self.seed = seed
        self.providers = ProviderStore(database: database)
        self.settings = UserSettingsStore(database: database)
        self.options = options
        jobStore = JobStore(database: database)
        runStore = RunStore(database: database)
        hub = JobEventHub()
        transport = Transport(addressPolicy: Self.addressPolicy(options))
        let suites = SuiteStore(database: database), evals = EvalStore(database: database)
        self.suites = suites
        self.evals = evals
        // Missing prompt files only stop judging (its routes and jobs say so), not the studio.
        let configuration = UserConfiguration(providers: providers, vault: vault)
        self.configuration = configuration
        let judge = JudgeServices(configuration: configuration, settings: settings,
                                  store: JudgeStore(database: database), prompts: try? JudgePrompts.shipped(), plugins: { catalog.current },
                                  transport: transport, simulatorURL: options.simulatorURL, retryDelay: options.judgeRetryDelay)
        self.judge = judge
        let queue = JobQueue(store: jobStore, limits: options.jobLimits)
        self.queue = queue
        tuning = TuningStore(database: database)
        experiments = ExperimentStore(database: database)
        library = PromptLibraryStore(database: database)
        let tuner = TuningJobExecutor(configuration: configuration, suites: suites, tuning: tuning, library: library, jobs: jobStore,
                                      plugins: { catalog.current }, transport: transport, simulatorURL: options.simulatorURL)
        self.tuner = tuner
        var runnerSettings = options.runner
        runnerSettings.limits = options.jobLimits
        runner = JobRunner(store: jobStore, hub: hub, executors: [
            BenchmarkJobExecutor(configuration: configuration, runs: runStore, jobs: jobStore,
                                 plugins: { catalog.current }, transport: transport, simulatorURL: options.simulatorURL),
            EvalJobExecutor(configuration: configuration, suites: suites, evals: evals, jobs: jobStore,
                            plugins: { catalog.current }, transport: transport, simulatorURL: options.simulatorURL, judge: judge,
                            queue: queue),
            JudgeJobExecutor(judge: judge, suites: suites, evals: evals, jobs: jobStore),
            LoadTestJobExecutor(configuration: configuration, runs: runStore, jobs: jobStore,
                                plugins: { catalog.current }, policy: Self.addressPolicy(options), simulatorURL: options.simulatorURL),
            tuner,
        ], settings: runnerSettings)
        queue.attach(runner)
        schedules = ScheduleStore(database: database)
        let submitter = ScheduledSubmitter(providers: providers, vault: vault, plugins: { catalog.current }, queue: queue, suites: suites)
        scheduler = Scheduler(store: schedules, clock: options.schedulerClock,
                              maxSleepMilliseconds: options.schedulerMaxSleepMilliseconds) { await submitter.submit($0) }
    }

    /// The checks a request passes before its job is queued.
    var checks: SubmissionChecks { SubmissionChecks(configuration: configuration, catalog: catalog, judge: judge, experiments: experiments) }

    /// The SSRF policy for user-given base URLs and for connections made on a user's behalf.
    public var addressPolicy: AddressPolicy { Self.addressPolicy(options) }

    static func addressPolicy(_ options: Options) -> AddressPolicy {
        var exempt: Set<String> = []
        if let url = options.simulatorURL, let target = try? RequestTarget(url: url) { exempt.insert("\(target.host):\(target.port)") }
        return .standard(allowLocal: options.allowLocalEndpoints, alwaysAllowed: exempt)
    }

    /// Loads the plugin folders again, under the trust policy in the database (checksums
    /// recorded at install, the admins' decisions). Runners of the old registry stop once
    /// no request holds it.
    @discardableResult
    public func rescanPlugins() async throws -> PluginRegistry {
        catalog.rescan(policy: try await Self.pluginPolicy(database))
    }

    /// The trust policy of `database`, whose quarantines are written back to it.
    public static func pluginPolicy(_ database: StudioDatabase) async throws -> PluginTrustPolicy {
        var policy = try await PluginTrustPolicy.read(from: database)
        policy.onQuarantine = { id, reason in
            Task { try? await PluginPolicyStore(database: database).quarantine(id, reason: reason) }
        }
        return policy
    }

    /// Gives a new user the configured providers and models (docs/configuration.md).
    public func seedNewUser(_ userID: String) async throws {
        try await providers.replaceAll(userID: userID, with: seed.providers.map(\.seedRecords))
    }
}

extension StudioConfig.Provider {
    /// This configured provider as rows of a user's configuration.
    public var seedRecords: (ProviderFields, [ModelRecord]) {
        (ProviderFields(slug: id, pluginID: plugin, baseURL: baseURL, displayName: name,
                        defaultParams: JSONValue.object(params).jsonString, apiKeyEnv: apiKeyEnv, preset: preset),
         models.map { m in
             ModelRecord(modelID: m.id, displayName: m.displayName, contextWindow: m.contextWindow, maxOutput: m.maxOutput,
                         priceIn: m.priceIn, priceOut: m.priceOut, systemPrompt: m.systemPrompt,
                         skipParams: JSONValue.array(m.skipParams.map(JSONValue.string)).jsonString,
                         params: JSONValue.object(m.params).jsonString)
         })
    }
}
