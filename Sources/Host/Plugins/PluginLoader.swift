import Crypto
import Foundation
import PluginABI
import StudioJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads one plugin library through the C ABI (docs/plugin-abi.md rule 11):
/// dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE), never dlclose (Swift plugins leave the
/// runtime pointing into their images), one dlsym for studio_plugin_entry, version and
/// size checks, manifest validation, the Swift toolchain check, init, factories.
///
/// A library is loaded at most once per process: dlopen would hand back the same image
/// and init must run only once, so outcomes are cached by resolved path.
public enum PluginLoader {
    private static let cache = Mutex<[String: Result<LoadedPlugin, PluginLoadError>]>([:])

    /// Loads the library at `path`. `recordedChecksum`, when given, is the SHA-256
    /// recorded at install; a library whose bytes changed since is refused.
    public static func load(path: String, recordedChecksum: String? = nil) throws(PluginLoadError) -> LoadedPlugin {
        guard FileManager.default.fileExists(atPath: path) else {
            throw PluginLoadError(path: path, reason: .fileNotFound)
        }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let checksum: String
        do { checksum = try sha256(ofFile: resolved) } catch {
            throw PluginLoadError(path: path, reason: .dlopenFailed("cannot read the file: \(error)"))
        }
        if let recordedChecksum, recordedChecksum.lowercased() != checksum {
            throw PluginLoadError(path: path, reason: .checksumChanged(recorded: recordedChecksum, actual: checksum))
        }
        let outcome = cache.withLock { cache in
            if let cached = cache[resolved] { return cached }
            let fresh: Result<LoadedPlugin, PluginLoadError>
            do throws(PluginLoadError) {
                fresh = .success(try open(path: path, resolved: resolved, checksum: checksum))
            } catch {
                fresh = .failure(error)
            }
            cache[resolved] = fresh
            return fresh
        }
        switch outcome {
        case .success(let plugin):
            // The cached image is what runs; if the file changed on disk after it was
            // loaded, say so instead of reporting the old checksum as current.
            if plugin.sha256 != checksum {
                throw PluginLoadError(path: path, reason: .checksumChanged(recorded: plugin.sha256, actual: checksum))
            }
            return plugin
        case .failure(let error):
            throw PluginLoadError(path: path, reason: error.reason)
        }
    }

    private static func open(path: String, resolved: String, checksum: String) throws(PluginLoadError) -> LoadedPlugin {
        guard hasELFHeader(resolved) else { throw PluginLoadError(path: path, reason: .notSharedLibrary) }

        _ = dlerror()
        guard let handle = dlopen(resolved, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            if message.contains("undefined symbol") {
                throw PluginLoadError(path: path, reason: .unresolvedSymbol(message))
            }
            throw PluginLoadError(path: path, reason: .dlopenFailed(message))
        }
        guard let symbol = dlsym(handle, STUDIO_PLUGIN_ENTRY_SYMBOL) else {
            throw PluginLoadError(path: path, reason: .noEntryPoint)
        }
        let entry = unsafeBitCast(symbol, to: studio_plugin_entry_fn.self)
        guard let descriptor = entry(ABIVersion.host.packed) else {
            throw PluginLoadError(path: path, reason: .entryRefused)
        }

        // Check the version before reading anything else: another major may lay the
        // descriptor out differently.
        let pluginABI = descriptor.pointee.abi_version
        guard ABIVersion(pluginABI).major == ABIVersion.host.major else {
            throw PluginLoadError(path: path, reason: .abiMismatch(plugin: pluginABI, host: ABIVersion.host.packed))
        }
        let size = descriptor.pointee.struct_size
        guard Int(size) >= ABIVersion.descriptorSizeV1_0 else {
            throw PluginLoadError(path: path, reason: .descriptorTooSmall(size: size, needed: ABIVersion.descriptorSizeV1_0))
        }
        guard let manifestText = descriptor.pointee.manifest_json else {
            throw PluginLoadError(path: path, reason: .manifestInvalid("manifest_json is NULL"))
        }
        let manifest: PluginManifestInfo
        do {
            manifest = try PluginManifestInfo(json: String(cString: manifestText))
        } catch {
            throw PluginLoadError(path: path, reason: .manifestInvalid(error.description))
        }
        if manifest.language == "swift" {
            let built = manifest.swiftToolchain ?? "an unnamed toolchain"
            guard built == SwiftToolchain.identifier else {
                throw PluginLoadError(path: path, reason: .toolchainMismatch(plugin: built, host: SwiftToolchain.identifier))
            }
        }
        guard let initialize = descriptor.pointee.`init`, let getFactory = descriptor.pointee.get_factory else {
            throw PluginLoadError(path: path, reason: .manifestInvalid("descriptor has a NULL init or get_factory"))
        }
        let errorSink = ByteSink()
        let status = errorSink.withSink { sink in initialize(HostServices.table, sink) }
        guard status == STUDIO_OK else {
            throw PluginLoadError(path: path, reason: .initFailed(errorSink.text.isEmpty ? "status \(status)" : errorSink.text))
        }

        let providerFactory = getFactory(STUDIO_PROVIDER_FACTORY_ID)?.assumingMemoryBound(to: studio_provider_factory_t.self)
        let scorerFactory = getFactory(STUDIO_SCORER_FACTORY_ID)?.assumingMemoryBound(to: studio_scorer_factory_t.self)
        if manifest.kinds.contains("provider") && providerFactory == nil {
            throw PluginLoadError(path: path, reason: .missingFactory("provider"))
        }
        if manifest.kinds.contains("scorer") && scorerFactory == nil {
            throw PluginLoadError(path: path, reason: .missingFactory("scorer"))
        }
        return LoadedPlugin(path: path, manifest: manifest, abiVersion: ABIVersion(pluginABI), sha256: checksum,
                            providerFactory: providerFactory, scorerFactory: scorerFactory)
    }

    /// Reads the first four bytes: dlopen's own message for a text file is obscure.
    private static func hasELFHeader(_ path: String) -> Bool {
        guard let file = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? file.close() }
        let magic = (try? file.read(upToCount: 4)) ?? Data()
        #if os(Linux)
        return magic == Data([0x7F, 0x45, 0x4C, 0x46])
        #else
        return magic.count == 4
        #endif
    }

    public static func sha256(ofFile path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

extension ABIVersion {
    /// The ABI this host speaks (from version.h).
    public static let host = ABIVersion((UInt32(STUDIO_ABI_VERSION_MAJOR) << 16) | UInt32(STUDIO_ABI_VERSION_MINOR))

    /// The descriptor members the host reads are those of 1.0: a plugin descriptor must
    /// be at least that large. Frozen: later members are checked with STUDIO_HAS_MEMBER.
    public static let descriptorSizeV1_0 = 32  // LP64: two uint32_t and three pointers
}
