/// Why a request failed (docs/measurement.md). Stored and shown as the raw value.
public enum ErrorClass: Sendable, Equatable, Hashable, CustomStringConvertible {
    case rateLimited          // 429
    case authFailed           // 401, 403
    case timeout              // connect, first byte, idle or total deadline
    case http(Int)            // any other non-2xx status
    case network              // connection refused, reset, TLS, DNS
    case malformedStream      // bytes the provider plugin could not decode
    case cancelled            // the user or the server stopped it
    case pluginError          // the plugin failed for another reason
    case providerError        // the provider reported an error inside a 200 stream

    public var description: String {
        switch self {
        case .rateLimited: return "rate_limited"
        case .authFailed: return "auth_failed"
        case .timeout: return "timeout"
        case .http(let code): return "http_\(code)"
        case .network: return "network"
        case .malformedStream: return "malformed_stream"
        case .cancelled: return "cancelled"
        case .pluginError: return "plugin_error"
        case .providerError: return "provider_error"
        }
    }

    public init?(_ text: String) {
        switch text {
        case "rate_limited": self = .rateLimited
        case "auth_failed": self = .authFailed
        case "timeout": self = .timeout
        case "network": self = .network
        case "malformed_stream": self = .malformedStream
        case "cancelled": self = .cancelled
        case "plugin_error": self = .pluginError
        case "provider_error": self = .providerError
        default:
            guard text.hasPrefix("http_"), let code = Int(text.dropFirst(5)) else { return nil }
            self = .http(code)
        }
    }

    /// The class for an HTTP status, before the plugin refines it from the body.
    public static func forStatus(_ status: Int) -> ErrorClass {
        switch status {
        case 429: return .rateLimited
        case 401, 403: return .authFailed
        case 408, 504: return .http(status)
        default: return .http(status)
        }
    }
}
