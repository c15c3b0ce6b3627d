import Foundation
import HostPlugins
import HostStorage

extension PluginTrustPolicy {
    /// The policy `serve` and every CLI command load plugins under: the checksums
    /// recorded at install and the admins' decisions, from the studio database.
    public static func read(from database: StudioDatabase) async throws -> PluginTrustPolicy {
        let checksums = try await PluginStore(database: database).checksums()
        var overrides: [String: PluginOverride] = [:]
        for row in try await PluginPolicyStore(database: database).all() {
            overrides[row.pluginID] = PluginOverride(mode: row.mode.flatMap(PluginMode.init(rawValue:)), disabled: row.disabled,
                                                     deadlineMilliseconds: row.deadlineMs, quarantineReason: row.quarantineReason)
        }
        return PluginTrustPolicy(recordedChecksums: checksums, overrides: overrides)
    }
}
