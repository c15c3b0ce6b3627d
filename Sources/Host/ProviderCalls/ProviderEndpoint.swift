import HostPlugins
import HostSecurity
import HostTransport
import StudioJSON

/// A provider endpoint ready to call: the plugin instance for one base URL, and the key
/// the host signs with (the plugin never sees it).
public struct ProviderEndpoint: Sendable {
    public let provider: ProviderInstance
    public let apiKey: String?

    public init(provider: ProviderInstance, apiKey: String?) {
        self.provider = provider
        self.apiKey = apiKey
    }

    /// The manifest's auth style applied to a request the plugin built.
    func sign(url: String, headers: [(String, String)]) -> (String, [(String, String)]) {
        guard let key = apiKey, !key.isEmpty else { return (url, headers) }
        let auth = provider.plugin.manifest.provider?["auth"]
        switch auth?["style"]?.stringValue ?? "bearer" {
        case "header":
            return (url, headers + [(auth?["header"]?.stringValue ?? "x-api-key", key)])
        case "query":
            let param = auth?["param"]?.stringValue ?? "key"
            let escaped = key.addingPercentEncodingForQuery()
            return (url + (url.contains("?") ? "&" : "?") + "\(param)=\(escaped)", headers)
        case "none":
            return (url, headers)
        default:
            return (url, headers + [("Authorization", "Bearer \(key)")])
        }
    }
}
