/// The times a connection's bytes crossed the socket. Confined to the channel's event
/// loop: ByteStampHandler writes, ExchangeHandler reads in the same call stack.
final class ConnectionClock: @unchecked Sendable {
    /// When the bytes now being parsed reached this host.
    var lastReadAt: UInt64 = 0
    /// The kernel's arrival stamps of the connection's socket (nil: the reads' own times).
    var probe: ReceiveProbe?
    /// Called with the stamp of the next flush (t0), then cleared.
    var onNextFlush: ((UInt64) -> Void)?
}
