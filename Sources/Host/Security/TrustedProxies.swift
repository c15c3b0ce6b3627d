import Foundation

/// Who the client is when the studio sits behind reverse proxies (docs/deploy.md,
/// "Security"). Forwarding headers are honoured only from a peer inside one of the trusted
/// networks (none by default), and read from the right: each trusted hop is skipped, the
/// first address not trusted is the client. A client cannot spoof its address by sending
/// its own `X-Forwarded-For`, since the proxy appends the real peer after it.
public struct TrustedProxies: Sendable, Equatable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork] = []) { self.networks = networks }

    /// Parses CIDRs; the first one that does not parse is returned as the error.
    public static func parse(_ texts: [String]) -> Result<TrustedProxies, ParseFailure> {
        var networks: [IPNetwork] = []
        for text in texts {
            guard let network = IPNetwork(text.trimmingCharacters(in: .whitespaces)) else { return .failure(ParseFailure(text: text)) }
            networks.append(network)
        }
        return .success(TrustedProxies(networks))
    }

    public struct ParseFailure: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "\"\(text)\" is not an IP address or CIDR network (like 10.0.0.0/8 or ::1/128)" }
    }

    public func trusts(_ ip: String) -> Bool { networks.contains { $0.contains(ip) } }

    /// The client as seen through the proxies: `peer` itself unless it is trusted, else
    /// the rightmost untrusted address of `Forwarded` (RFC 7239) or `X-Forwarded-For`.
    /// `https`: what the nearest trusted proxy says of the client's scheme (nil when unknown).
    public func client(peer: String?, forwarded: [String], xForwardedFor: [String], xForwardedProto: String?)
        -> (ip: String?, https: Bool?) {
        guard let peer, trusts(peer) else { return (peer, nil) }
        var hops: [String] = []
        var proto: String? = nil
        if !forwarded.isEmpty {
            for element in forwarded.joined(separator: ",").split(separator: ",") {
                for pair in element.split(separator: ";") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                    guard kv.count == 2 else { continue }
                    let value = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    switch kv[0].lowercased() {
                    case "for": hops.append(Self.stripPort(value))
                    case "proto": proto = value.lowercased()
                    default: break
                    }
                }
            }
        } else {
            hops = xForwardedFor.joined(separator: ",").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            proto = xForwardedProto?.split(separator: ",").first.map { String($0).trimmingCharacters(in: .whitespaces).lowercased() }
        }
        var client = peer
        for hop in hops.reversed() {
            client = hop
            if !trusts(hop) { break }
        }
        return (client, proto.map { $0 == "https" })
    }

    /// `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.1:80` → `192.0.2.1`.
    static func stripPort(_ node: String) -> String {
        if node.hasPrefix("["), let end = node.firstIndex(of: "]") { return String(node[node.index(after: node.startIndex)..<end]) }
        if node.filter({ $0 == ":" }).count == 1, let colon = node.firstIndex(of: ":") { return String(node[..<colon]) }
        return node
    }
}
