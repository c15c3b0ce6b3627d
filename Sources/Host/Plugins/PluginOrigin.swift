/// Where a plugin library was found, which decides how far it is trusted
/// (docs/plugins.md, "Isolation and trust").
public enum PluginOrigin: String, Sendable {
    /// Beside the executable, built with the host; checked against the bundle's manifest.
    case bundled
    /// In <data>/plugins, put there by `studio plugins install`, which recorded its SHA-256.
    case installed
    /// In a folder the operator named (--plugins, STUDIO_PLUGIN_PATH).
    case explicit
}
