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
}
