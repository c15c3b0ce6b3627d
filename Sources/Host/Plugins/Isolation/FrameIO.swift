import HostMeasurement

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking frame I/O on one connected socket, for both ends.
enum FrameIO {
    enum Failure: Error {
        case closed
        case timedOut
        case tooLarge(Int)
        case system(Int32)
    }

    /// Writes all of `bytes`. Never raises SIGPIPE (MSG_NOSIGNAL): a dead peer is `closed`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { throw .closed }
                throw .system(errno)
            }
            sent += n
        }
    }

    /// Reads one frame (its length word, then that many bytes). `deadline` is a
    /// CLOCK_MONOTONIC instant in nanoseconds, or nil to wait for ever.
    static func readFrame(_ fd: Int32, deadline: UInt64?) throws(Failure) -> [UInt8] {
        let head = try readExactly(fd, 4, deadline: deadline)
        let length = Int(UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24)
        guard length <= RunnerWire.maxFrame else { throw .tooLarge(length) }
        return try readExactly(fd, length, deadline: deadline)
    }

    private static func readExactly(_ fd: Int32, _ count: Int, deadline: UInt64?) throws(Failure) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            if let deadline {
                let now = MonotonicClock.now()
                guard now < deadline else { throw .timedOut }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let wait = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
                let ready = poll(&pfd, 1, wait)
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw .system(errno)
                }
                if ready == 0 { continue }  // the loop re-checks the deadline
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n == 0 { throw .closed }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { throw .closed }
                throw .system(errno)
            }
            got += n
        }
        return buffer
    }

    /// A frame: its length word, then `body`.
    static func frame(_ body: [UInt8]) -> [UInt8] {
        var w = WireWriter()
        w.u32(UInt32(body.count))
        w.raw(body)
        return w.bytes
    }
}
