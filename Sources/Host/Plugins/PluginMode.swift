/// How a plugin runs.
public enum PluginMode: String, Sendable, CaseIterable {
    /// In the host's address space: fastest, and a crash takes the host down.
    case inProcess = "in-process"
    /// In supervised sandboxed runner processes.
    case isolated
}
