// Every way a plugin library can be refused, each with a message that names the file and
// the reason, in the manner of SQLite's "no entry point [x] in [libfoo.so]".

public struct PluginLoadError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        case fileNotFound
        case notSharedLibrary
        case dlopenFailed(String)
        case unresolvedSymbol(String)
        case noEntryPoint
        case entryRefused
        case abiMismatch(plugin: UInt32, host: UInt32)
        case descriptorTooSmall(size: UInt32, needed: Int)
        case manifestInvalid(String)
        case toolchainMismatch(plugin: String, host: String)
        case initFailed(String)
        case duplicateID(String, firstPath: String)
        case checksumChanged(recorded: String, actual: String)
        case missingFactory(String)
        /// Refused by the isolated runner (its own load checks, or the runner failed).
        case runnerRefused(code: String, message: String)
        /// In <data>/plugins but never installed with `studio plugins install`.
        case notInstalled
        /// Beside the executable but not in the bundle's manifest, or changed since.
        case notInBundle(String)
        /// Disabled for everyone by an admin (the plugin's id).
        case disabled(String)
    }

    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// A short stable code for scripts and the API ("no_entry_point", ...).
    public var code: String {
        switch reason {
        case .fileNotFound: return "file_not_found"
        case .notSharedLibrary: return "not_a_shared_library"
        case .dlopenFailed: return "dlopen_failed"
        case .unresolvedSymbol: return "unresolved_symbol"
        case .noEntryPoint: return "no_entry_point"
        case .entryRefused: return "entry_refused"
        case .abiMismatch: return "abi_mismatch"
        case .descriptorTooSmall: return "descriptor_too_small"
        case .manifestInvalid: return "manifest_invalid"
        case .toolchainMismatch: return "toolchain_mismatch"
        case .initFailed: return "init_failed"
        case .duplicateID: return "duplicate_id"
        case .checksumChanged: return "checksum_changed"
        case .missingFactory: return "missing_factory"
        case .runnerRefused(let code, _): return code
        case .notInstalled: return "not_installed"
        case .notInBundle: return "not_in_bundle"
        case .disabled: return "disabled"
        }
    }

    public var description: String {
        let file = "[\(path)]"
        switch reason {
        case .fileNotFound:
            return "no such file \(file)"
        case .notSharedLibrary:
            return "\(file) is not a shared library (no ELF header)"
        case .dlopenFailed(let message):
            return "cannot load \(file): \(message)"
        case .unresolvedSymbol(let message):
            return "unresolved symbol in \(file): \(message)"
        case .noEntryPoint:
            return "no entry point [studio_plugin_entry] in \(file)"
        case .entryRefused:
            return "studio_plugin_entry in \(file) returned NULL: the plugin refuses this host's ABI \(ABIVersion.host)"
        case let .abiMismatch(plugin, host):
            return "\(file) speaks plugin ABI \(ABIVersion(plugin)), this host speaks \(ABIVersion(host).major).x"
        case let .descriptorTooSmall(size, needed):
            return "descriptor in \(file) is \(size) bytes, smaller than the \(needed) bytes of ABI 1.0"
        case .manifestInvalid(let message):
            return "manifest of \(file) is invalid: \(message)"
        case let .toolchainMismatch(plugin, host):
            return "\(file) was built with \(plugin) but this host with \(host): Swift plugins must be rebuilt with the host's toolchain"
        case .initFailed(let message):
            return "init of \(file) failed: \(message)"
        case let .duplicateID(id, firstPath):
            return "plugin id \"\(id)\" in \(file) is already provided by [\(firstPath)]; the first one found wins"
        case let .checksumChanged(recorded, actual):
            return "\(file) changed since it was installed (SHA-256 \(actual.prefix(12))…, recorded \(recorded.prefix(12))…): reinstall it"
        case .missingFactory(let kind):
            return "\(file) declares kind \"\(kind)\" but offers no \(kind) factory"
        case .runnerRefused(_, let message):
            // The runner's message names the file already when it comes from the loader.
            return message.contains(path) ? message : "\(file) cannot be loaded in its sandbox: \(message)"
        case .notInstalled:
            return "\(file) was not installed with `studio plugins install`: libraries copied into the plugins folder are not loaded"
        case .notInBundle(let detail):
            return "\(file) is not one of the plugins bundled with this studio: \(detail)"
        case .disabled(let id):
            return "plugin \"\(id)\" in \(file) is disabled by an admin"
        }
    }
}
