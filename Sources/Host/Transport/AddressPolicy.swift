import NIOCore

/// Which addresses the transport may connect to (SSRF policy, docs/configuration.md). Applied to the
/// address actually connected to, after DNS resolution, so a public name that resolves to
/// a private address is refused too. Redirects are never followed.
public struct AddressPolicy: Sendable {
    /// nil when allowed, else the reason.
    let check: @Sendable (SocketAddress) -> String?

    public init(_ check: @escaping @Sendable (SocketAddress) -> String?) { self.check = check }

    func refusal(for address: SocketAddress) -> String? { check(address) }

    /// Everything (the CLI on the user's own machine, and the built-in simulator).
    public static let allowAll = AddressPolicy { _ in nil }

    /// Public addresses only: loopback, private, link-local, unique-local, unspecified,
    /// multicast and carrier-grade NAT ranges are refused.
    public static let publicOnly = AddressPolicy { address in
        guard let ip = address.ipAddress else { return "not an IP address" }
        return AddressPolicy.nonPublicRange(ip)
    }

    /// Public addresses, plus loopback/private ones when local endpoints are allowed,
    /// plus exact host:port pairs that are always allowed (the embedded simulator).
    public static func standard(allowLocal: Bool, alwaysAllowed: Set<String> = []) -> AddressPolicy {
        AddressPolicy { address in
            guard let ip = address.ipAddress else { return "not an IP address" }
            if let port = address.port, alwaysAllowed.contains("\(ip):\(port)") { return nil }
            if allowLocal { return nil }
            return nonPublicRange(ip).map { $0 + " (an admin can allow local endpoints)" }
        }
    }

    /// The name of the non-public range `ip` falls in, or nil for a public address.
    public static func nonPublicRange(_ ip: String) -> String? {
        if ip.contains(":") { return nonPublicIPv6(ip.lowercased()) }
        let octets = ip.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return "unparsable address" }
        switch (octets[0], octets[1]) {
        case (0, _): return "unspecified address"
        case (10, _): return "private address"
        case (100, 64...127): return "carrier-grade NAT address"
        case (127, _): return "loopback address"
        case (169, 254): return "link-local address"
        case (172, 16...31): return "private address"
        case (192, 168): return "private address"
        case (198, 18...19): return "benchmarking network address"
        case (224...239, _): return "multicast address"
        case (240...255, _): return "reserved address"
        default: return nil
        }
    }

    private static func nonPublicIPv6(_ ip: String) -> String? {
        if ip == "::1" { return "loopback address" }
        if ip == "::" { return "unspecified address" }
        if ip.hasPrefix("fe8") || ip.hasPrefix("fe9") || ip.hasPrefix("fea") || ip.hasPrefix("feb") { return "link-local address" }
        if ip.hasPrefix("fc") || ip.hasPrefix("fd") { return "unique-local address" }
        if ip.hasPrefix("ff") { return "multicast address" }
        if ip.hasPrefix("::ffff:") { return nonPublicRange(String(ip.dropFirst(7))) }
        return nil
    }
}

extension AddressPolicy {
    /// Checks a user-given base URL when it is saved (docs/configuration.md): an IP literal is checked
    /// as is, a name by every address it resolves to now. A name that does not resolve is
    /// let through: the connect-time check (the one that counts, after DNS) still applies.
    /// Returns the reason for refusal, or nil.
    ///
    /// `resolving: false` checks without a name lookup: the URL's syntax, IP literals and
    /// `localhost` names, leaving other host names to the check at connect time (which
    /// always runs) — so importing hundreds of providers costs no lookup each.
    public func refusal(forURL text: String, resolving: Bool = true) async -> String? {
        let target: RequestTarget
        do { target = try RequestTarget(url: text) } catch {
            return error.message.contains("credentials") ? "must not contain credentials" : "must be an http:// or https:// URL with a host"
        }
        if !resolving {
            let host = target.host.lowercased()
            let literal = host == "localhost" || host.hasSuffix(".localhost") ? "127.0.0.1" : target.host
            guard let address = try? SocketAddress(ipAddress: literal, port: target.port) else { return nil }
            return check(address).map { "\(target.host) is a \($0)" }
        }
        for address in await NameResolver.addresses(target.host, port: target.port) {
            if let reason = check(address) { return "\(target.host) is a \(reason)" }
        }
        return nil
    }
}
