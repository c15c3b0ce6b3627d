import HostTransport

/// When the bytes of a simulated exchange crossed the socket: stamped by SocketStampHandler
/// (first in the pipeline, raw bytes) and read by WireStampHandler (after the HTTP codec,
/// where requests and responses are known). Confined to the channel's event loop.
final class SocketClock: @unchecked Sendable {
    var lastReadAt: UInt64 = 0
    var lastFlushAt: UInt64 = 0
    /// The kernel's arrival stamps of the connection's socket (nil: the reads' own times).
    var probe: ReceiveProbe?
}
