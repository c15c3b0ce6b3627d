
/// Where a request goes, parsed from its URL: the one URL parser of the host, used by the
/// transport, the connection pools, the SSRF check of a saved base URL and the simulator's
/// exemption. `host` is bare (an IPv6 literal without its brackets).
public struct RequestTarget: Hashable, Sendable {
    public let tls: Bool
    public let host: String
    public let port: Int
    public let pathAndQuery: String

    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host  // an IPv6 literal keeps its brackets
        return (tls && port == 443) || (!tls && port == 80) ? name : "\(name):\(port)"
    }

    public init(url: String) throws(TransportError) {
        let scheme: Bool
        var rest: Substring
        if url.lowercased().hasPrefix("https://") { scheme = true; rest = url.dropFirst(8) }
        else if url.lowercased().hasPrefix("http://") { scheme = false; rest = url.dropFirst(7) }
        else { throw TransportError(.invalidURL, "URL must start with http:// or https://") }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        guard !authority.contains("@") else { throw TransportError(.invalidURL, "URL must not contain credentials") }
        guard !authority.isEmpty else { throw TransportError(.invalidURL, "URL has no valid host") }
        var host = Substring(authority), port = scheme ? 443 : 80
        if authority.hasPrefix("[") {  // IPv6 literal
            guard let close = authority.firstIndex(of: "]") else { throw TransportError(.invalidURL, "bad IPv6 literal") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw TransportError(.invalidURL, "bad port in URL") }
                port = p
            } else if !after.isEmpty { throw TransportError(.invalidURL, "bad IPv6 literal") }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard !host.isEmpty else { throw TransportError(.invalidURL, "URL has no valid host") }
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                throw TransportError(.invalidURL, "bad port in URL")
            }
            port = p
        }
        self.tls = scheme
        self.host = String(host)
        self.port = port
        self.pathAndQuery = rest.isEmpty ? "/" : (rest.hasPrefix("?") ? "/" + rest : String(rest))
    }
}
