import Foundation

/// What a registry needs to decide which libraries load, and how.
public struct PluginTrustPolicy: Sendable {
    /// Installed libraries by path → the SHA-256 recorded at install.
    public var recordedChecksums: [String: String] = [:]
    /// Admin decisions by plugin id.
    public var overrides: [String: PluginOverride] = [:]
    /// The mode of a plugin no admin decided on: bundled ones run in-process, the rest
    /// isolated. `STUDIO_PLUGIN_ISOLATION=all` isolates bundled ones too; `none` runs
    /// everything in-process (for debugging a plugin under gdb).
    public var isolation: IsolationDefault = .untrusted
    public var runner: RunnerSettings = RunnerSettings()
    /// Told when an isolated plugin is quarantined (the server records it, so the
    /// quarantine outlives a restart).
    public var onQuarantine: (@Sendable (_ pluginID: String, _ reason: String) -> Void)?

    public enum IsolationDefault: String, Sendable { case untrusted, all, none }

    public struct RunnerSettings: Sendable {
        /// The executable serving `studio plugin-runner`: STUDIO_PLUGIN_RUNNER, else the
        /// `studio` beside the running executable.
        public var executable: String
        public var limits = PluginRunnerServer.Limits(addressSpaceBytes: 4 << 30, cpuSeconds: 3600)
        public var deadlines = PluginDeadlines()
        /// Runner processes per isolated plugin.
        public var maxRunners = 2

        public init(executable: String? = nil) {
            self.executable = executable ?? ProcessInfo.processInfo.environment["STUDIO_PLUGIN_RUNNER"]
                ?? ((PluginRegistry.executableDirectory() ?? ".") + "/studio")
        }
    }

    public init(recordedChecksums: [String: String] = [:], overrides: [String: PluginOverride] = [:],
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.recordedChecksums = recordedChecksums
        self.overrides = overrides
        if let value = environment["STUDIO_PLUGIN_ISOLATION"], let mode = IsolationDefault(rawValue: value) { isolation = mode }
        if let mb = environment["STUDIO_PLUGIN_MEMORY_MB"].flatMap(UInt64.init), mb >= 64 { runner.limits.addressSpaceBytes = mb << 20 }
        if let cpu = environment["STUDIO_PLUGIN_CPU_SECONDS"].flatMap(UInt64.init), cpu >= 1 { runner.limits.cpuSeconds = cpu }
    }

    func mode(for id: String?, origin: PluginOrigin) -> PluginMode {
        if let id, let chosen = overrides[id]?.mode { return chosen }
        switch isolation {
        case .all: return .isolated
        case .none: return .inProcess
        case .untrusted: return origin == .bundled ? .inProcess : .isolated
        }
    }

    func deadlines(for id: String?) -> PluginDeadlines {
        guard let id, let ms = overrides[id]?.deadlineMilliseconds else { return runner.deadlines }
        var d = PluginDeadlines.uniform(ms)
        d.loadMilliseconds = runner.deadlines.loadMilliseconds
        return d
    }
}
