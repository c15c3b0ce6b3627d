import Synchronization

/// The plugins a running server uses, replaceable by a rescan (after `studio plugins
/// install` or a file dropped into a plugins folder). Readers take the current registry;
/// a rescan builds a new one beside it and swaps it in. Libraries are never unloaded
/// (RTLD_NODELETE, see docs/plugin-abi.md), so a request holding the old registry is safe.
public final class PluginCatalog: Sendable {
    private let state: Mutex<PluginRegistry>

    public init(_ registry: PluginRegistry) { state = Mutex(registry) }

    public var current: PluginRegistry { state.withLock { $0 } }

    /// Loads the search path again under `policy`.
    @discardableResult
    public func rescan(policy: PluginTrustPolicy) -> PluginRegistry {
        let fresh = PluginRegistry(searchPath: current.searchPath, policy: policy)
        state.withLock { $0 = fresh }
        return fresh
    }
}
