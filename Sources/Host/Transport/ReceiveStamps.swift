import HostMeasurement
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

// When did a read's bytes reach this host? A stamp taken when the read returns also counts
// the wake-up of the event loop thread and the work queued before it: on this kind of VM
// 100–220 µs at p50–p99 when idle, milliseconds under load. The kernel stamps every
// packet as it arrives (SO_TIMESTAMPING, software receive stamps), and hands the stamps of
// the bytes still queued to a MSG_PEEK | MSG_TRUNC recvmsg without copying or consuming
// them. So right before each socket read (the receive allocator's hook, ProbingRecvAllocator.swift) the
// transport peeks: the stamp of the last packet queued is when every byte the read will
// return had arrived. Measured against the simulator's write stamps: 18 µs p50, 38 µs
// p99 after the write, of which the write path and loopback are most (docs/measurement.md).
//
// Limits, kept small: bytes arriving between the peek and the read (microseconds) share the
// earlier stamp; a read that takes less than what is queued is stamped with the last
// packet's time (later than its own bytes, never earlier). Where the kernel gives no stamp
// (another OS, timestamps refused) the read's own time is used, as before.

public enum ReceiveStamps {
    #if os(Linux)
    // <asm-generic/socket.h> and <linux/net_tstamp.h> (macros Swift does not import).
    private static let soTimestamping: CInt = 37
    private static let rxSoftware: CInt = 1 << 3, software: CInt = 1 << 4
    #endif

    /// Asks the kernel to stamp this socket's incoming packets; false where it cannot.
    @discardableResult
    public static func enable(_ descriptor: CInt) -> Bool {
        #if os(Linux)
        var flags = rxSoftware | software
        return setsockopt(descriptor, SOL_SOCKET, soTimestamping, &flags, socklen_t(MemoryLayout<CInt>.size)) == 0
        #else
        return false
        #endif
    }

    /// Linux stamps incoming packets only while some socket asks for stamps, and turns
    /// that on for the whole system asynchronously (a deferred work item) when the first
    /// one does: packets of a connection opened right then could go unstamped. So the
    /// process keeps one idle socket asking, from the first transport or simulator on.
    public static func keepStampingOn() { _ = stampingSocket }

    private static let stampingSocket: CInt = {
        let descriptor = socket(AF_INET, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        if descriptor >= 0 { enable(descriptor) }
        return descriptor
    }()

    /// Never read: MSG_TRUNC tells TCP not to copy. Sized for the peek all the same.
    private static let scratchSize = 65_536
    nonisolated(unsafe) private static let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 16)

    /// CLOCK_MONOTONIC time the last queued packet arrived, or nil (nothing queued, no stamp).
    static func lastArrival(_ descriptor: CInt) -> UInt64? {
        // cmsghdr (16 bytes) + scm_timestamping (3 timespecs, 48 bytes), with room to spare.
        withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { control -> UInt64? in
            let peeked = receive(descriptor, into: UnsafeMutableRawBufferPointer(start: scratch, count: scratchSize),
                                 control: control, flags: CInt(MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT))
            return peeked.count > 0 ? peeked.stamp : nil
        }
    }

    /// One `recvmsg` into `buffer` with the kernel's receive stamp in `control` (the one read
    /// of both drivers: the socket loop's reads, the NIO driver's peek). Returns the byte count
    /// (0 at end of file, -1 with errno set), when the last of those bytes arrived (nil: no
    /// stamp), and the monotonic time the call returned; the stamp is never later than that.
    static func receive(_ descriptor: CInt, into buffer: UnsafeMutableRawBufferPointer, control: UnsafeMutableRawBufferPointer,
                        flags: CInt) -> (count: Int, stamp: UInt64?, now: UInt64) {
        var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        return withUnsafeMutablePointer(to: &vector) { vectorPointer in
            var message = msghdr()
            message.msg_iov = vectorPointer
            message.msg_iovlen = 1
            message.msg_control = control.baseAddress
            message.msg_controllen = control.count
            let count = recvmsg(descriptor, &message, flags)
            let now = MonotonicClock.now()
            guard count > 0, message.msg_controllen > 0 else { return (count, nil, now) }
            let (realNow, monotonicNow) = clockPair()
            let stamp = arrival(in: UnsafeRawBufferPointer(start: control.baseAddress, count: message.msg_controllen),
                                realNow: realNow, monotonicNow: monotonicNow)
            return (count, stamp.map { min($0, now) }, now)
        }
    }

    /// The realtime clock and the monotonic time of that same instant. Reading one clock and
    /// then the other is wrong by however long the thread was preempted in between (a busy
    /// machine: milliseconds, which moved stamps before the bytes were even sent), so the
    /// realtime read is bracketed by two monotonic reads and the tightest of a few tries is
    /// used, at its midpoint: the error is at most half its width.
    public static func clockPair(monotonic: () -> UInt64 = MonotonicClock.now,
                                 realtime: () -> UInt64 = realtimeNow) -> (real: UInt64, monotonic: UInt64) {
        var best: (real: UInt64, monotonic: UInt64, width: UInt64)? = nil
        for _ in 0..<4 {
            let before = monotonic()
            let real = realtime()
            let after = monotonic()
            let width = after &- before
            if best == nil || width < best!.width { best = (real, before &+ width / 2, width) }
            if width < 2_000 { break }  // 2 µs: as tight as it gets
        }
        return (best!.real, best!.monotonic)
    }

    /// The realtime clock (the clock the kernel stamps packets with), nanoseconds.
    public static func realtimeNow() -> UInt64 {
        var real = timespec()
        clock_gettime(CLOCK_REALTIME, &real)
        return UInt64(real.tv_sec) &* 1_000_000_000 &+ UInt64(real.tv_nsec)
    }

    /// The software stamp of an SCM_TIMESTAMPING control message, moved from the realtime
    /// clock the kernel uses to the monotonic clock of every other stamp (never later than now).
    static func arrival(in control: UnsafeRawBufferPointer, realNow: UInt64, monotonicNow: UInt64) -> UInt64? {
        #if os(Linux)
        let headerSize = 16  // cmsg_len (size_t), cmsg_level, cmsg_type
        var offset = 0
        while offset + headerSize <= control.count {
            let length = control.loadUnaligned(fromByteOffset: offset, as: Int.self)
            let level = control.loadUnaligned(fromByteOffset: offset + 8, as: CInt.self)
            let type = control.loadUnaligned(fromByteOffset: offset + 12, as: CInt.self)
            guard length >= headerSize, offset + length <= control.count else { return nil }
            if level == SOL_SOCKET, type == soTimestamping, length >= headerSize + 16 {
                let seconds = control.loadUnaligned(fromByteOffset: offset + headerSize, as: Int.self)
                let nanoseconds = control.loadUnaligned(fromByteOffset: offset + headerSize + 8, as: Int.self)
                guard seconds > 0 else { return nil }
                let real = UInt64(seconds) &* 1_000_000_000 &+ UInt64(nanoseconds)
                guard real <= realNow else { return monotonicNow }
                let age = realNow - real
                return age < monotonicNow ? monotonicNow - age : nil
            }
            offset += (length + 7) & ~7
        }
        #endif
        return nil
    }

    /// Whether an idle connection may carry a request: false when the peer has closed its
    /// side (its FIN is queued, the loop has not handled it yet) or sent bytes nobody asked
    /// for. A peek: nothing is consumed. Both drivers ask before reusing a connection.
    static func peerStillOpen(_ descriptor: CInt) -> Bool {
        var byte: UInt8 = 0
        let peeked = recv(descriptor, &byte, 1, CInt(MSG_PEEK | MSG_DONTWAIT))
        return peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
    }

    /// A non-blocking TCP socket of our own (so the transport knows its descriptor), with
    /// Nagle off and receive stamps on, its connect to `address` started: done or in
    /// progress (the caller waits for writability, then asks `connectError`). Both drivers
    /// open their sockets here.
    static func startConnect(to address: SocketAddress, describe target: String) throws(TransportError) -> CInt {
        let descriptor = socket(address.protocol.rawValue, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TransportError(.network, "cannot open a socket: \(String(cString: strerror(errno)))") }
        var one: CInt = 1
        setsockopt(descriptor, CInt(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<CInt>.size))
        enable(descriptor)
        let result = address.withSockAddr { pointer, size in Glibc.connect(descriptor, pointer, socklen_t(size)) }
        guard result == 0 || errno == EINPROGRESS else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw TransportError(.network, "cannot connect to \(target): \(reason)")
        }
        return descriptor
    }

    /// Once a started connect's socket is writable: why it failed, or nil.
    static func connectError(_ descriptor: CInt, describe target: String) -> TransportError? {
        var failure: CInt = 0
        var size = socklen_t(MemoryLayout<CInt>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &size)
        return failure == 0 ? nil : TransportError(.network, "cannot connect to \(target): \(String(cString: strerror(failure)))")
    }

    /// A connected socket for the NIO driver (`ClientBootstrap.withConnectedSocket`): the
    /// handshake is awaited off the event loops; loopback and LAN peers answer in
    /// microseconds, so the first checks come quickly and then back off.
    static func connect(to address: SocketAddress, timeout: TimeAmount, describe target: String) async throws(TransportError) -> CInt {
        let descriptor = try startConnect(to: address, describe: target)
        var connected = false
        defer { if !connected { close(descriptor) } }
        let deadline = MonotonicClock.now() + UInt64(max(0, timeout.nanoseconds))
        var pause: UInt64 = 20_000
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            if poll(&poller, 1, 0) == 1 { break }
            if Task.isCancelled { throw TransportError(.cancelled, "cancelled") }
            if MonotonicClock.now() >= deadline { throw TransportError(.timeout, "connect to \(target) timed out") }
            try? await Task.sleep(nanoseconds: pause)
            pause = min(pause * 2, 5_000_000)
        }
        if let error = connectError(descriptor, describe: target) { throw error }
        connected = true
        return descriptor
    }
}

extension ReceiveStamps {
    /// The descriptor of an accepted connection, which NIO does not expose: the socket
    /// whose own and peer addresses are these. Tries just above `hint` first (descriptors
    /// are handed out lowest-free, so a new connection usually lands there), then every
    /// open descriptor. Used by the simulator once per connection.
    public static func descriptor(local: SocketAddress, remote: SocketAddress, hint: CInt) -> CInt? {
        func matches(_ fd: CInt) -> Bool { same(fd, local, getsockname) && same(fd, remote, getpeername) }
        for fd in (hint + 1)..<(hint + 9) where matches(fd) { return fd }
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = CInt(name), matches(fd) { return fd }
        }
        return nil
    }

    /// Whether the socket's address (own or peer, by `query`) is `address`: family, port
    /// and IP compared, nothing else (IPv6 flow labels may differ).
    private static func same(_ fd: CInt, _ address: SocketAddress,
                             _ query: (CInt, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt) -> Bool {
        var storage = sockaddr_storage()
        var size = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(fd, $0, &size) }
        }
        guard found == 0 else { return false }
        let family = CInt(storage.ss_family)
        return withUnsafeBytes(of: storage) { actual in
            address.withSockAddr { expected, expectedSize in
                let wanted = UnsafeRawBufferPointer(start: expected, count: expectedSize)
                let ranges: [Range<Int>]
                switch family {
                case AF_INET: ranges = [0..<8]          // family, port, IPv4 address
                case AF_INET6: ranges = [0..<4, 8..<24]  // family, port; IPv6 address
                default: return false
                }
                return ranges.allSatisfy { r in r.upperBound <= wanted.count && actual[r].elementsEqual(wanted[r]) }
            }
        }
    }
}
