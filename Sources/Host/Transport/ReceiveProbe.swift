import NIOCore

/// The kernel's receive stamps of one connection's socket, for the handler next to the
/// socket (the transport's ByteStampHandler, the simulator's SocketStampHandler).
/// Confined to the channel's event loop.
public final class ReceiveProbe: @unchecked Sendable {
    private let descriptor: CInt
    private var pending: UInt64?

    public init(descriptor: CInt) { self.descriptor = descriptor }

    /// Makes the channel peek before each of its socket reads (its receive allocator).
    /// In a channel initializer or setup, before the first read.
    public func install(on channel: any Channel) throws {
        try channel.syncOptions?.setOption(.recvAllocator, value: ProbingRecvAllocator(probe: self))
    }

    /// Called right before each socket read: records when the queued bytes arrived.
    public func stampQueuedBytes() {
        pending = ReceiveStamps.lastArrival(descriptor)
    }

    /// When the bytes of the read being handled arrived: the kernel's stamp, used once (a
    /// second read out of the same socket read, TLS records, takes its own time), else `now`.
    public func arrival(now: UInt64) -> UInt64 {
        defer { pending = nil }
        return pending.map { min($0, now) } ?? now
    }
}
