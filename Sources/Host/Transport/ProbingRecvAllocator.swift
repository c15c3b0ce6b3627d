import NIOCore

/// NIO's adaptive receive allocator, plus the probe: NIO asks the allocator for the next
/// buffer size right before every socket read, which is exactly when to peek.
struct ProbingRecvAllocator: RecvByteBufferAllocator {
    private var sizes = AdaptiveRecvByteBufferAllocator()
    let probe: ReceiveProbe

    init(probe: ReceiveProbe) { self.probe = probe }

    func buffer(allocator: ByteBufferAllocator) -> ByteBuffer { sizes.buffer(allocator: allocator) }

    func nextBufferSize() -> Int? {
        probe.stampQueuedBytes()
        return sizes.nextBufferSize()
    }

    mutating func record(actualReadBytes: Int) -> Bool { sizes.record(actualReadBytes: actualReadBytes) }
}
