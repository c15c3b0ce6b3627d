import PluginABI
import StudioJSON

/// One library that passed every check. Lives for the process. In-process it holds its
/// factories; isolated (`isolation` set) its code runs only in runner processes and this
/// object holds what the runner reported.
public final class LoadedPlugin: Sendable {
    public let path: String
    public let manifest: PluginManifestInfo
    public let abiVersion: ABIVersion
    public let sha256: String
    /// Where the library came from, which decides how far it is trusted.
    public let origin: PluginOrigin
    /// Set when the plugin runs out of process.
    public let isolation: IsolatedPlugin?
    /// The runner's protections in force (PluginSandbox names), empty in-process.
    public let sandbox: [String]
    nonisolated(unsafe) let providerFactory: UnsafePointer<studio_provider_factory_t>?
    nonisolated(unsafe) let scorerFactory: UnsafePointer<studio_scorer_factory_t>?

    init(path: String, manifest: PluginManifestInfo, abiVersion: ABIVersion, sha256: String,
         providerFactory: UnsafePointer<studio_provider_factory_t>?, scorerFactory: UnsafePointer<studio_scorer_factory_t>?) {
        self.path = path
        self.manifest = manifest
        self.abiVersion = abiVersion
        self.sha256 = sha256
        self.origin = .explicit
        self.isolation = nil
        self.sandbox = []
        self.providerFactory = providerFactory
        self.scorerFactory = scorerFactory
    }

    init(path: String, manifest: PluginManifestInfo, abiVersion: ABIVersion, sha256: String, origin: PluginOrigin,
         isolation: IsolatedPlugin, sandbox: [String]) {
        self.path = path
        self.manifest = manifest
        self.abiVersion = abiVersion
        self.sha256 = sha256
        self.origin = origin
        self.isolation = isolation
        self.sandbox = sandbox
        self.providerFactory = nil
        self.scorerFactory = nil
    }

    /// The same library, in-process, with its origin recorded.
    init(_ other: LoadedPlugin, origin: PluginOrigin) {
        path = other.path
        manifest = other.manifest
        abiVersion = other.abiVersion
        sha256 = other.sha256
        self.origin = origin
        isolation = other.isolation
        sandbox = other.sandbox
        providerFactory = other.providerFactory
        scorerFactory = other.scorerFactory
    }

    public var isIsolated: Bool { isolation != nil }

    public var id: String { manifest.id }
    public var kinds: [String] { manifest.kinds }

    /// What is wrong with `config` for this scorer, by its manifest's `config_schema`
    /// (nil: nothing, or no schema). Checked by the host before the plugin sees the config.
    public func scorerConfigProblem(_ config: JSONValue) -> SchemaViolation? {
        guard let schema = manifest.scorer?["config_schema"] else { return nil }
        return JSONSchema(schema).validate(config).first
    }

    /// A provider instance for one endpoint configuration.
    public func makeProvider(config: JSONValue) throws(PluginCallError) -> ProviderInstance {
        if let isolation {
            guard kinds.contains("provider") else {
                throw PluginCallError(plugin: id, member: "provider.create", status: STUDIO_ERR_UNSUPPORTED, message: "not a provider plugin")
            }
            return ProviderInstance(plugin: self, backend: .isolated(try RemoteObject(plugin: isolation, kind: .provider, config: config)))
        }
        guard let factory = providerFactory, let create = factory.pointee.create else {
            throw PluginCallError(plugin: id, member: "provider.create", status: STUDIO_ERR_UNSUPPORTED, message: "not a provider plugin")
        }
        var instance: UnsafeMutablePointer<studio_provider_t>?
        let errorSink = ByteSink()
        let status = config.jsonString.withStudioStr { configStr in
            errorSink.withSink { create(configStr, &instance, $0) }
        }
        guard status == STUDIO_OK, let instance else {
            throw PluginCallError(plugin: id, member: "provider.create", status: status, message: errorSink.text)
        }
        return ProviderInstance(plugin: self, backend: .local(instance))
    }

    /// A scorer instance for one configuration ({} when none).
    public func makeScorer(config: JSONValue = .object([:])) throws(PluginCallError) -> ScorerInstance {
        if let isolation {
            guard kinds.contains("scorer") else {
                throw PluginCallError(plugin: id, member: "scorer.create", status: STUDIO_ERR_UNSUPPORTED, message: "not a scorer plugin")
            }
            return ScorerInstance(plugin: self, backend: .isolated(try RemoteObject(plugin: isolation, kind: .scorer, config: config)))
        }
        guard let factory = scorerFactory, let create = factory.pointee.create else {
            throw PluginCallError(plugin: id, member: "scorer.create", status: STUDIO_ERR_UNSUPPORTED, message: "not a scorer plugin")
        }
        var instance: UnsafeMutablePointer<studio_scorer_t>?
        let errorSink = ByteSink()
        let status = config.jsonString.withStudioStr { configStr in
            errorSink.withSink { create(configStr, &instance, $0) }
        }
        guard status == STUDIO_OK, let instance else {
            throw PluginCallError(plugin: id, member: "scorer.create", status: status, message: errorSink.text)
        }
        return ScorerInstance(plugin: self, backend: .local(instance))
    }
}

extension LoadedPlugin {
    /// The plugin as `studio plugins list --json` and `GET /api/plugins` show it. The
    /// server path only to those who may see it (admins, the local CLI).
    public func listing(showPath: Bool = true) -> JSONValue {
        var entry: JSONObject = [
            "id": .string(id), "name": .string(manifest.name), "version": .string(manifest.version),
            "kinds": .array(kinds.map(JSONValue.string)), "abi": .string(abiVersion.description),
            "language": manifest.language.map(JSONValue.string) ?? .null,
            "swift_toolchain": manifest.swiftToolchain.map(JSONValue.string) ?? .null,
            "sha256": .string(sha256), "origin": .string(origin.rawValue),
            "mode": .string(isIsolated ? PluginMode.isolated.rawValue : PluginMode.inProcess.rawValue),
            "sandbox": .array(sandbox.map(JSONValue.string)),
            "quarantined": isolation?.quarantineReason.map(JSONValue.string) ?? .null,
        ]
        if showPath { entry["path"] = .string(path) }
        return .object(entry)
    }
}

