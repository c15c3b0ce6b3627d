import Foundation
import HostPlugins
import HostSecurity
import HostTransport
import StudioJSON

/// A request as it goes on the wire (built by the provider plugin, signed with the key),
/// ready to be sent any number of times: a load test builds it once per level.
public struct PreparedCall: Sendable {
    /// The plugin-level request (each send makes its own stream decoder from it).
    public let request: JSONValue
    /// `request` serialized once, for the decoders.
    let requestJSON: String
    public let endpoint: ProviderEndpoint
    public let method: String
    public let url: String
    /// The signed headers (the key included): what goes on the wire.
    public let headers: [(String, String)]
    let body: [UInt8]?
    let scrubber: SecretScrubber
    /// What the plugin built, before signing, and when a time-bound signature (SigV4) was
    /// made: a prepared call a load test sends for longer than `resignAfter` is signed
    /// again, since AWS refuses a signature older than 15 minutes.
    let unsignedURL: String
    let unsignedHeaders: [(String, String)]
    public let signedAt: Date?

    static let resignAfter: TimeInterval = 240

    /// The headers to send now: the signed ones, or fresh ones when the signature is stale.
    public func currentHeaders(now: Date = Date()) -> [(String, String)] {
        guard let signedAt, now.timeIntervalSince(signedAt) > Self.resignAfter else { return headers }
        return endpoint.sign(method: method, url: unsignedURL, headers: unsignedHeaders, body: body, now: now).headers
    }
}
