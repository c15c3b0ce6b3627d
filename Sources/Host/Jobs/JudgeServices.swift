import HostBenchmark
import HostEvals
import HostJudge
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// Where judging gets its pieces: the user's settings, their configured judge model with
/// their key, the shipped prompts. Shared by judge jobs and inline judging in eval jobs.
public struct JudgeServices: Sendable {
    let configuration: UserConfiguration
    let settings: UserSettingsStore
    public let store: JudgeStore
    public let prompts: JudgePrompts?
    let plugins: @Sendable () -> PluginRegistry
    let transport: Transport
    let simulatorURL: String?
    /// Seconds before a judge call's first retry (tests shorten it).
    let retryDelay: Double

    public init(configuration: UserConfiguration, settings: UserSettingsStore, store: JudgeStore, prompts: JudgePrompts?,
                plugins: @escaping @Sendable () -> PluginRegistry, transport: Transport, simulatorURL: String?, retryDelay: Double = 0.5) {
        self.configuration = configuration
        self.settings = settings
        self.store = store
        self.prompts = prompts
        self.plugins = plugins
        self.transport = transport
        self.simulatorURL = simulatorURL
        self.retryDelay = retryDelay
    }

    public func userSettings(_ userID: String) async throws -> JudgeSettings {
        let stored = try await settings.get(userID: userID, key: JudgeSettings.storageKey).map { text throws(StoredValueError) in
            try StoredJSON.value(text, row: "your judge settings", column: "value")
        }
        return JudgeSettings(stored: stored, defaultVersion: prompts?.latest ?? "v1")
    }

    /// Why these settings cannot judge (the field at fault and what is wrong), or nil.
    /// `requireModel` false: a settings document may leave the model unset.
    public func problem(userID: String, settings: JudgeSettings, requireModel: Bool = true) async throws -> (field: String, message: String)? {
        guard let prompts else { return ("prompt_version", "the judge prompts are missing from this installation") }
        guard prompts.versions.contains(settings.promptVersion) else {
            return ("prompt_version", "no prompt version \"\(settings.promptVersion)\" (there are \(prompts.versions.joined(separator: ", ")))")
        }
        guard (settings.provider == nil) == (settings.model == nil) else { return ("model", "give both provider and model, or neither") }
        guard let provider = settings.provider, let model = settings.model else {
            return requireModel ? ("model", "no judge model: choose one with PUT /api/settings/judge") : nil
        }
        if let (_, reason) = try await configuration.missingTargets(userID: userID, request: .single(provider: provider, model: model)) {
            return ("model", reason)
        }
        return nil
    }

    /// A client for the settings' judge model, with the user's key; the settings are
    /// checked by the same rule as the routes that queued the job (they may have changed since).
    func client(userID: String, settings: JudgeSettings, events: JobEventWriter) async throws -> (JudgeClient, JudgePrompts, String) {
        if let (field, message) = try await problem(userID: userID, settings: settings) { throw JobFailure("\(field): \(message)") }
        guard let prompts, let provider = settings.provider, let model = settings.model else { throw JobFailure("no judge model") }
        let resolved = try await configuration.targets(userID: userID, request: .single(provider: provider, model: model), registry: plugins(),
                                                       simulatorURL: simulatorURL, events: events)
        var client = JudgeClient(endpoint: resolved.targets[0].endpoint, model: model, transport: transport)
        client.baseDelay = retryDelay
        return (client, prompts, "\(provider)/\(model)")
    }
}
