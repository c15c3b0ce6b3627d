import ArgumentParser
import Foundation
import HostAuth
import HostBenchmark
import HostConfig
import HostHTTP
import HostJobs
import HostTransport
import HostStorage
import HostPlugins
import HostSecurity
import HostSimulator
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the studio server (HTTP API and dashboard).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Configuration file (YAML); default ./config.yaml when present, else the built-in one.") var config: String?
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        let path = config ?? (FileManager.default.fileExists(atPath: "config.yaml") ? "config.yaml" : nil)
        var studioConfig: StudioConfig
        do {
            if let path {
                guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
                studioConfig = try StudioConfig(yaml: String(decoding: data, as: UTF8.self))
            } else {
                studioConfig = .builtIn
            }
        } catch {
            printError("\(path ?? "config"): \(error)")
            throw ExitCode.failure
        }
        // Storage: SQLite in the data folder unless STUDIO_DATABASE_URL names PostgreSQL.
        let environment = ProcessInfo.processInfo.environment
        let database: StudioDatabase
        let accounts: AccountService
        let vault: KeyVault
        do {
            database = try await StudioDatabase.open(environment["STUDIO_DATABASE_URL"] ?? plugins.dataDirectory + "/studio.db")
            let applied = try await Migrations.run(on: database)
            if !applied.isEmpty { printError("database \(database.location): applied migrations \(applied)") }
            let secret = try SecretFile.load(variable: "STUDIO_JWT_SECRET", path: plugins.dataDirectory + "/jwt.secret")
            // A rotation: the old secret still verifies the tokens it signed (docs/security.md).
            let previous = try SecretFile.optional(variable: "STUDIO_JWT_PREVIOUS_SECRET", path: plugins.dataDirectory + "/jwt.previous.secret")
            accounts = AccountService(database: database, signer: try await AccessTokenSigner.make(secret: secret, previous: previous.map { [$0] } ?? []))
            vault = try KeyVault(database: database, masterKey: try KeyVault.loadMasterKey(path: Keys.defaultMasterKeyFile()))
        } catch {
            printError("cannot start: \(error)")
            throw ExitCode.failure
        }
        // Installed libraries must still have the SHA-256 recorded at install; admins'
        // decisions (mode, disabled, quarantine) hold across restarts.
        let policy: PluginTrustPolicy
        do { policy = try await StudioServices.pluginPolicy(database) } catch {
            printError("cannot start: cannot read the plugin policy: \(error)")
            throw ExitCode.failure
        }
        let registry = PluginRegistry(searchPath: PluginRegistry.searchPath(explicit: plugins.folders, dataDirectory: plugins.dataDirectory),
                                      policy: policy)
        for failure in registry.failures { printError("plugin refused: \(failure)") }
        // Presets (`preset: groq`) are resolved once the plugins are known; new users are
        // seeded with whole providers, so an unknown preset stops the start here.
        do {
            studioConfig.providers = try studioConfig.providers.map { provider in try TargetResolver.applyingPreset(provider, registry: registry).get() }
        } catch {
            printError("cannot start: \(path ?? "config"): \(error)")
            throw ExitCode.failure
        }
        // The simulator the configuration names runs beside the server, on a free loopback port.
        let simulator = studioConfig.providers.contains(where: \.usesSimulator) ? try await EmbeddedSimulator.start() : nil
        if let simulator { printError("simulator on \(simulator.baseURL)") }
        printError("studio \(StudioVersion.current): \(registry.plugins.count) plugins loaded; listening on http://\(host):\(port)")
        let corsOrigins = (environment["CORS_ORIGINS"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        var options = StudioServices.Options(simulatorURL: simulator?.baseURL,
                                             allowLocalEndpoints: ["1", "true", "yes"].contains(environment["STUDIO_ALLOW_LOCAL_ENDPOINTS"]?.lowercased() ?? ""),
                                             corsOrigins: corsOrigins)
        // Operators' knobs (documented in docs/deploy.md); tests shorten them.
        if let lease = environment["STUDIO_JOB_LEASE_MS"].flatMap(Int64.init), (500...86_400_000).contains(lease) {
            options.runner.leaseMilliseconds = lease
            options.runner.sweepMilliseconds = min(options.runner.sweepMilliseconds, lease)
        }
        if let nap = environment["STUDIO_SCHEDULER_MAX_SLEEP_MS"].flatMap(Int64.init), (100...86_400_000).contains(nap) { options.schedulerMaxSleepMilliseconds = nap }
        do {
            try Self.applySecuritySettings(environment, to: &options)
        } catch {
            printError("cannot start: \(error)")
            throw ExitCode.failure
        }
        let services = StudioServices(database: database, accounts: accounts, vault: vault, plugins: registry, seed: studioConfig,
                                      options: options)
        // Jobs left running by a crash: on one machine (SQLite) nothing else can be running
        // them; with PostgreSQL only those whose lease lapsed.
        let interrupted = (try? await services.jobStore.interruptAbandoned(all: database.dialect == .sqlite)) ?? []
        if !interrupted.isEmpty { printError("\(interrupted.count) job(s) left running by a stopped instance are now interrupted") }
        let app = buildApplication(host: host, port: port, services: services)
        // The HTTP server, the job runner and the scheduler stop together on SIGTERM/SIGINT:
        // running jobs end `cancelled` with their finished runs kept.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: BackgroundService { await services.runner.run() }),
                       .init(service: services.scheduler)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "studio")))
        try await group.run()
        try? await services.transport.shutdown()
        await simulator?.stop()
        await database.close()
    }
}

extension Serve {
    /// The security knobs of docs/deploy.md ("Security"), each refused with its variable's
    /// name when its value makes no sense.
    static func applySecuritySettings(_ environment: [String: String], to options: inout StudioServices.Options) throws {
        if let text = environment["STUDIO_TRUSTED_PROXIES"] {
            let list = text.split(separator: ",").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            switch TrustedProxies.parse(list) {
            case .success(let proxies): options.trustedProxies = proxies
            case .failure(let failure): throw CLIError("STUDIO_TRUSTED_PROXIES: \(failure)")
            }
        }
        if let text = environment["STUDIO_COOKIE_SECURE"] {
            guard let mode = CookiePolicy.Secure(rawValue: text.lowercased()) else {
                throw CLIError("STUDIO_COOKIE_SECURE must be auto, always or never (got \"\(text)\")")
            }
            options.cookieSecure = mode
        }
        if let token = environment["STUDIO_METRICS_TOKEN"] {
            guard token.count >= 16, !token.contains(where: { $0.isWhitespace }) else {
                throw CLIError("STUDIO_METRICS_TOKEN must be at least 16 characters without spaces")
            }
            options.metricsToken = token
        }
        if let text = environment["STUDIO_REGISTRATIONS_PER_HOUR"] {
            guard let n = Int(text), (1...100_000).contains(n) else {
                throw CLIError("STUDIO_REGISTRATIONS_PER_HOUR must be a whole number from 1 to 100000")
            }
            options.registrationsPerHour = n
        }
    }
}

/// A long-running task as a service: cancelled on graceful shutdown.
struct BackgroundService: Service {
    let body: @Sendable () async -> Void
    func run() async throws { await cancelWhenGracefulShutdown { await body() } }
}
