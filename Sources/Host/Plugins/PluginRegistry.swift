import Foundation

/// The plugins a host found, in search order, and the libraries it refused.
/// Search order (DESIGN §3 rule 11): explicit folders (--plugins / config),
/// STUDIO_PLUGIN_PATH (colon separated), <data>/plugins, the executable's folder.
/// In dedicated plugin folders every `*.so` is a candidate; in the executable's folder
/// only `libstudio_*.so`, because dlopen runs a library's initialisers and that folder
/// holds other things.
public struct PluginRegistry: Sendable {
    public private(set) var plugins: [LoadedPlugin] = []
    public private(set) var failures: [PluginLoadError] = []
    public let searchPath: [PluginFolder]

    public struct PluginFolder: Sendable, Equatable {
        public let path: String
        /// Only libstudio_*.so are loaded from this folder.
        public let prefixedOnly: Bool

        public init(path: String, prefixedOnly: Bool = false) {
            self.path = path
            self.prefixedOnly = prefixedOnly
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
        if let dataDirectory { folders.append(PluginFolder(path: dataDirectory + "/plugins")) }
        if let executableDirectory { folders.append(PluginFolder(path: executableDirectory, prefixedOnly: true)) }
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
        self.searchPath = searchPath
        var byID: [String: String] = [:]
        var loadedPaths = Set<String>()
        for folder in searchPath {
            for path in Self.candidates(in: folder) {
                let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
                guard loadedPaths.insert(resolved).inserted else { continue }
                do {
                    let plugin = try PluginLoader.load(path: path, recordedChecksum: recordedChecksums[path] ?? recordedChecksums[resolved])
                    if let first = byID[plugin.id] {
                        failures.append(PluginLoadError(path: path, reason: .duplicateID(plugin.id, firstPath: first)))
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
