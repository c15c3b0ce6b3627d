import Foundation
import HostMeasurement
import HostTransport
import NIOCore
import Testing

/// The kernel's receive stamps (Sources/Host/Transport/ReceiveStamps.swift) on a real
/// loopback connection: the stamp is when the bytes arrived, however late they are read,
/// and an accepted socket's descriptor is found from its addresses.
@Suite struct ReceiveStampsTests {
    /// A connected pair on loopback: (client, accepted) descriptors and their ports.
    static func pair() throws -> (client: CInt, server: CInt, listenPort: Int, clientPort: Int, listener: CInt) {
        func port(_ fd: CInt) -> Int {
            var address = sockaddr_in()
            var size = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
            return Int(UInt16(bigEndian: address.sin_port))
        }
        let listener = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        var any = sockaddr_in()
        any.sin_family = sa_family_t(AF_INET)
        any.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &any) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(bound == 0 && listen(listener, 4) == 0)
        var target = any
        target.sin_port = UInt16(port(listener)).bigEndian
        let client = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(connected == 0)
        let server = accept(listener, nil, nil)
        try #require(server >= 0)
        return (client, server, port(listener), port(client), listener)
    }

    @Test func anAcceptedSocketIsFoundFromItsAddresses() throws {
        let p = try Self.pair()
        defer { close(p.client); close(p.server); close(p.listener) }
        let local = try SocketAddress(ipAddress: "127.0.0.1", port: p.listenPort)
        let remote = try SocketAddress(ipAddress: "127.0.0.1", port: p.clientPort)
        #expect(ReceiveStamps.descriptor(local: local, remote: remote, hint: 2) == p.server, "found by scanning")
        #expect(ReceiveStamps.descriptor(local: local, remote: remote, hint: p.server - 1) == p.server, "found just above the hint")
        #expect(ReceiveStamps.descriptor(local: remote, remote: local, hint: 2) == p.client, "the other end is the client's")
        let stranger = try SocketAddress(ipAddress: "127.0.0.1", port: p.clientPort == 65535 ? 1 : p.clientPort + 1)
        #expect(ReceiveStamps.descriptor(local: local, remote: stranger, hint: 2) == nil)
    }

    @Test func theStampIsWhenTheBytesArrivedNotWhenTheyAreRead() throws {
        let p = try Self.pair()
        defer { close(p.client); close(p.server); close(p.listener) }
        try #require(ReceiveStamps.enable(p.server))
        // The system starts stamping packets a moment after the first socket asks; the
        // transport keeps it asking from its start, as here.
        ReceiveStamps.keepStampingOn()
        usleep(50_000)
        let probe = ReceiveProbe(descriptor: p.server)
        let sent = MonotonicClock.now()
        #expect(write(p.client, "token", 5) == 5)
        usleep(30_000)  // the reader is late by 30 ms
        probe.stampQueuedBytes()
        let now = MonotonicClock.now()
        let arrival = probe.arrival(now: now)
        // Signed: a stamp before the write (a clock conversion gone wrong) fails, never traps.
        let late = Int64(bitPattern: arrival &- sent)
        #expect(late >= 0 && late < 2_000_000, "arrived \(Double(late) / 1e6) ms after the write")
        #expect(probe.arrival(now: now) == now, "a stamp is used once")
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(read(p.server, &buffer, 16) == 5, "the peek consumed nothing")
        probe.stampQueuedBytes()
        #expect(probe.arrival(now: now) == now, "nothing queued: the read's own time")
    }

    /// The realtime/monotonic pair a stamp is converted with is read at one instant: a
    /// thread preempted between the two reads once put stamps milliseconds before the bytes
    /// were sent (found on a busy machine). Here the preemption is made to happen, on a
    /// made-up timeline where realtime is monotonic + 1 s: the pair must still say 1 s.
    @Test func theClockPairIsReadAtOneInstantEvenWhenPreempted() {
        final class Timeline: @unchecked Sendable { var now: UInt64 = 5_000_000_000; var preemptions = 1 }
        let timeline = Timeline()
        let offset: UInt64 = 1_000_000_000
        let pair = ReceiveStamps.clockPair(monotonic: { timeline.now += 300; return timeline.now }, realtime: {
            if timeline.preemptions > 0 { timeline.preemptions -= 1; timeline.now += 3_000_000 }  // 3 ms away from the CPU
            timeline.now += 100
            return timeline.now + offset
        })
        let error = Int64(bitPattern: pair.real &- pair.monotonic) - Int64(offset)
        #expect(abs(error) <= 500, "the pair is \(Double(error) / 1e3) µs off")
        // And with the real clocks, the pair agrees with a fresh reading.
        let (real, monotonic) = ReceiveStamps.clockPair()
        let drift = Int64(bitPattern: (ReceiveStamps.realtimeNow() &- real)) - Int64(bitPattern: (MonotonicClock.now() &- monotonic))
        #expect(abs(drift) < 1_000_000, "\(drift) ns")
    }
}
