import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The host's one name lookup: the connection pools connect to what it returns, and the
/// SSRF check of a saved base URL checks every address it returns.
public enum NameResolver {
    /// Every address `host` has now (an IP literal is its own), looked up with
    /// getaddrinfo on NIO's thread pool, off the event loops (it blocks); empty when the
    /// name does not resolve.
    static func addresses(_ host: String, port: Int) async -> [SocketAddress] {
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return [literal] }
        lookups.add(1, ordering: .relaxed)
        return (try? await NIOThreadPool.singleton.runIfActive { lookUp(host, port: port) }) ?? []
    }

    /// Name lookups made so far in this process (each can take a resolver's timeout).
    public static let lookups = Atomic<Int>(0)

    /// The address a connection goes to: the first one the name has.
    static func address(_ host: String, port: Int) async throws(TransportError) -> SocketAddress {
        guard let first = await addresses(host, port: port).first else {
            throw TransportError(.network, "cannot resolve \(host)")
        }
        return first
    }

    private static func lookUp(_ host: String, port: Int) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(list) }
        var result: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            if let address = current.pointee.ai_addr {
                switch current.pointee.ai_family {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { result.append(SocketAddress($0.pointee, host: host)) }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { result.append(SocketAddress($0.pointee, host: host)) }
                default: break
                }
            }
            node = current.pointee.ai_next
        }
        return result
    }
}
