/// An admin's decision about one plugin id (stored in plugin_policies).
public struct PluginOverride: Sendable, Equatable {
    public var mode: PluginMode?
    public var disabled: Bool
    /// Every call's deadline but load's, in milliseconds (nil: the defaults).
    public var deadlineMilliseconds: Int?
    /// Why the plugin is quarantined (refused until an admin releases it).
    public var quarantineReason: String?

    public init(mode: PluginMode? = nil, disabled: Bool = false, deadlineMilliseconds: Int? = nil, quarantineReason: String? = nil) {
        self.mode = mode
        self.disabled = disabled
        self.deadlineMilliseconds = deadlineMilliseconds
        self.quarantineReason = quarantineReason
    }
}
