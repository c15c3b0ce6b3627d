import StudioJSON

/// The endpoint configuration every provider receives: {"base_url": ..., "params": {...}}.
public enum ProviderConfig {
    /// The configured base URL without a trailing slash, or `fallback`; anything that is
    /// not http(s) is invalid input.
    public static func baseURL(_ config: JSONValue, default fallback: String) throws -> String {
        let url = config["base_url"]?.stringValue ?? fallback
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw PluginError.invalidInput("base_url must start with http:// or https://, got \"\(url)\"")
        }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
