import Foundation
import StudioJSON

/// The plugins a host found, in search order, and the libraries it refused.
/// Search order (docs/plugin-abi.md, rule 11): explicit folders (--plugins / config),
/// STUDIO_PLUGIN_PATH (colon separated), <data>/plugins, the executable's folder.
/// In dedicated plugin folders every `*.so` is a candidate; in the executable's folder
/// only `libstudio_*.so`, because dlopen runs a library's initialisers and that folder
/// holds other things.
///
/// Trust (docs/plugins.md, "Isolation and trust"): <data>/plugins loads only libraries
/// installed with their SHA-256 recorded; the executable's folder only those in the
/// bundle's manifest. Untrusted code is never dlopen'ed in the host: installed and
/// explicit plugins are loaded by a sandboxed runner, unless an admin chose otherwise.
public struct PluginRegistry: Sendable {
    public private(set) var plugins: [LoadedPlugin] = []
    public private(set) var failures: [PluginLoadError] = []
    public let searchPath: [PluginFolder]
    public let policy: PluginTrustPolicy
    /// Bundled libraries taken without a manifest to check them against (a dev build).
    public private(set) var unverifiedBundle = false

    public struct PluginFolder: Sendable, Equatable {
        public let path: String
        /// Only libstudio_*.so are loaded from this folder.
        public let prefixedOnly: Bool
        public let origin: PluginOrigin

        public init(path: String, prefixedOnly: Bool = false, origin: PluginOrigin? = nil) {
            self.path = path
            self.prefixedOnly = prefixedOnly
            self.origin = origin ?? (prefixedOnly ? .bundled : .explicit)
        }
    }

    /// The default search path for a host with the given options.
    public static func searchPath(explicit: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                                  dataDirectory: String? = nil, executableDirectory: String? = executableDirectory())
        -> [PluginFolder]
    {
        var folders = explicit.map { PluginFolder(path: $0) }
        if let env = environment["STUDIO_PLUGIN_PATH"] {
            folders += env.split(separator: ":").map { PluginFolder(path: String($0)) }
        }
        if let dataDirectory { folders.append(PluginFolder(path: dataDirectory + "/plugins", origin: .installed)) }
        // A release bundle keeps its shipped plugins apart from its executable (scripts/bundle).
        if let bundle = environment["STUDIO_BUNDLE_PLUGINS"] { folders.append(PluginFolder(path: bundle, prefixedOnly: true, origin: .bundled)) }
        if let executableDirectory { folders.append(PluginFolder(path: executableDirectory, prefixedOnly: true, origin: .bundled)) }
        var seen = Set<String>()
        return folders.filter { seen.insert(URL(fileURLWithPath: $0.path).standardizedFileURL.path).inserted }
    }

    /// The folder holding the running executable (via /proc/self/exe on Linux).
    public static func executableDirectory() -> String? {
        #if os(Linux)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: exe).deletingLastPathComponent().path
        }
        #endif
        return Bundle.main.executableURL?.deletingLastPathComponent().path
    }

    /// Loads every candidate library in `searchPath`. `recordedChecksums` maps a library
    /// path to the SHA-256 recorded when it was installed.
    public init(searchPath: [PluginFolder], recordedChecksums: [String: String] = [:]) {
        self.init(searchPath: searchPath, policy: PluginTrustPolicy(recordedChecksums: recordedChecksums))
    }

    public init(searchPath: [PluginFolder], policy: PluginTrustPolicy) {
        self.searchPath = searchPath
        self.policy = policy
        var byID: [String: String] = [:]
        var loadedPaths = Set<String>()
        for folder in searchPath {
            let bundle = folder.origin == .bundled ? BundleManifest.read(folder: folder.path) : nil
            for path in Self.candidates(in: folder) {
                let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
                guard loadedPaths.insert(resolved).inserted else { continue }
                do throws(PluginLoadError) {
                    let plugin = try load(path: path, resolved: resolved, folder: folder, bundle: bundle)
                    if let first = byID[plugin.id] {
                        failures.append(PluginLoadError(path: path, reason: .duplicateID(plugin.id, firstPath: first)))
                        continue
                    }
                    if policy.overrides[plugin.id]?.disabled == true {
                        plugin.isolation?.stopRunners()
                        failures.append(PluginLoadError(path: path, reason: .disabled(plugin.id)))
                        continue
                    }
                    byID[plugin.id] = path
                    plugins.append(plugin)
                } catch {
                    failures.append(error)
                }
            }
        }
    }

    /// One candidate through the trust checks, then loaded in the mode its policy says.
    private mutating func load(path: String, resolved: String, folder: PluginFolder, bundle: BundleManifest?) throws(PluginLoadError) -> LoadedPlugin {
        var trusted: String?
        switch folder.origin {
        case .installed:
            guard let recorded = policy.recordedChecksums[path] ?? policy.recordedChecksums[resolved] else {
                throw PluginLoadError(path: path, reason: .notInstalled)
            }
            trusted = recorded
        case .bundled:
            if let bundle {
                let name = URL(fileURLWithPath: path).lastPathComponent
                guard let listed = bundle.checksums[name] else {
                    throw PluginLoadError(path: path, reason: .notInBundle("not listed in \(BundleManifest.fileName)"))
                }
                let actual = (try? PluginLoader.sha256(ofFile: resolved)) ?? ""
                guard actual == listed else {
                    throw PluginLoadError(path: path, reason: .notInBundle("its SHA-256 \(actual.prefix(12))… differs from the manifest's \(listed.prefix(12))…"))
                }
                trusted = listed
            } else {
                unverifiedBundle = true
            }
        case .explicit:
            // A library installed once and then named by its folder still has to be the one installed.
            trusted = policy.recordedChecksums[path] ?? policy.recordedChecksums[resolved]
        }
        // Bundled code is the host's own: loaded in-process first, and moved out only if an
        // admin isolated it. Other code is first loaded by a runner, never here.
        if policy.mode(for: nil, origin: folder.origin) == .inProcess {
            let local = LoadedPlugin(try PluginLoader.load(path: path, recordedChecksum: trusted), origin: folder.origin)
            guard policy.mode(for: local.id, origin: folder.origin) == .isolated else { return local }
            return try Self.loadIsolated(path: path, sha256: local.sha256, origin: folder.origin, policy: policy, id: local.id)
        }
        let isolated = try Self.loadIsolated(path: path, sha256: trusted, origin: folder.origin, policy: policy, id: nil)
        guard policy.mode(for: isolated.id, origin: folder.origin) == .inProcess else { return isolated }
        isolated.isolation?.stopRunners()
        return LoadedPlugin(try PluginLoader.load(path: path, recordedChecksum: isolated.sha256), origin: folder.origin)
    }

    /// Has a fresh runner load the library and describes it from the runner's answer.
    public static func loadIsolated(path: String, sha256: String?, origin: PluginOrigin, policy: PluginTrustPolicy,
                                    id: String?) throws(PluginLoadError) -> LoadedPlugin {
        // The runner works in "/", so it is given the absolute path.
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var library = IsolatedPlugin.Library(path: absolute, sha256: sha256, limits: policy.runner.limits,
                                             deadlines: policy.deadlines(for: id), runnerExecutable: policy.runner.executable)
        var isolation = IsolatedPlugin(library: library, maxRunners: policy.runner.maxRunners)
        var answer = try isolation.load()
        let manifest: PluginManifestInfo
        do {
            manifest = try PluginManifestInfo(json: answer["manifest"]?.stringValue ?? "")
        } catch {
            throw PluginLoadError(path: path, reason: .manifestInvalid(error.description))
        }
        if id == nil, policy.deadlines(for: manifest.id) != library.deadlines {
            // The admin set this plugin's deadlines: a runner that knows them.
            isolation.stopRunners()
            library.deadlines = policy.deadlines(for: manifest.id)
            isolation = IsolatedPlugin(library: library, maxRunners: policy.runner.maxRunners)
            answer = try isolation.load()
        }
        if let reason = policy.overrides[manifest.id]?.quarantineReason { isolation.quarantine(reason, notify: false) }
        isolation.onQuarantine = policy.onQuarantine
        let bits = UInt32(answer["sandbox"]?.doubleValue ?? 0)
        return LoadedPlugin(path: path, manifest: manifest, abiVersion: ABIVersion(UInt32(answer["abi"]?.doubleValue ?? 0)),
                            sha256: answer["sha256"]?.stringValue ?? "", origin: origin, isolation: isolation,
                            sandbox: PluginSandbox.names(bits))
    }

    static func candidates(in folder: PluginFolder) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.sorted().filter { name in
            let isLibrary = name.hasSuffix(".so") || name.hasSuffix(".dylib")
            return isLibrary && (!folder.prefixedOnly || name.hasPrefix("libstudio_"))
        }.map { folder.path + "/" + $0 }
    }

    public func plugin(id: String) -> LoadedPlugin? { plugins.first { $0.id == id } }
    public func provider(id: String) -> LoadedPlugin? { plugins.first { $0.id == id && $0.kinds.contains("provider") } }
    public func scorer(id: String) -> LoadedPlugin? { plugins.first { $0.id == id && $0.kinds.contains("scorer") } }
}
