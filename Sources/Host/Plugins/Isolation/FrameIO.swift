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

    /// Waits until `fd` is readable or `deadline` (CLOCK_MONOTONIC ns) passes.
    static func waitReadable(_ fd: Int32, deadline: UInt64) throws(Failure) {
        while true {
            let now = MonotonicClock.now()
            guard now < deadline else { throw .timedOut }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(clamping: (deadline - now + 999_999) / 1_000_000))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw .system(errno) }
        }
    }

    /// A frame: its length word, then `body`.
    static func frame(_ body: [UInt8]) -> [UInt8] {
        var w = WireWriter()
        w.bytes.reserveCapacity(4 + body.count)
        w.u32(UInt32(body.count))
        w.raw(body)
        return w.bytes
    }
}

/// Frames read off one socket through a buffer: one `recv` takes whatever has arrived, so
/// a frame usually costs one system call (not one for its length and one for its body),
/// and frames that arrive together (owed replies, a release before a request) are kept
/// for the next call. Each end of a runner socket owns one.
struct FrameReader {
    /// A buffer larger than this is let go once it holds no pending bytes.
    static let keptCapacity = 1 << 20
    private var buffer: [UInt8] = []
    private var start = 0
    private var end = 0

    /// The next frame. `deadline` is a CLOCK_MONOTONIC instant in nanoseconds, or nil
    /// to wait for ever.
    mutating func next(_ fd: Int32, deadline: UInt64?) throws(FrameIO.Failure) -> [UInt8] {
        while true {
            if end - start >= 4 {
                let length = Int(UInt32(buffer[start]) | UInt32(buffer[start + 1]) << 8
                                 | UInt32(buffer[start + 2]) << 16 | UInt32(buffer[start + 3]) << 24)
                guard length <= RunnerWire.maxFrame else { throw .tooLarge(length) }
                if end - start >= 4 + length {
                    let frame = Array(buffer[(start + 4)..<(start + 4 + length)])
                    start += 4 + length
                    if start == end {
                        (start, end) = (0, 0)
                        // One large answer must not pin its buffer for the runner's life.
                        if buffer.count > Self.keptCapacity { buffer = [] }
                    }
                    return frame
                }
                try fill(fd, want: 4 + length, deadline: deadline)
            } else {
                try fill(fd, want: 4, deadline: deadline)
            }
        }
    }

    /// Reads what has arrived (at least one byte), with room for `want` bytes from `start`.
    private mutating func fill(_ fd: Int32, want: Int, deadline: UInt64?) throws(FrameIO.Failure) {
        if start > 0 && start + want > buffer.count {
            let (from, count) = (start, end - start)
            buffer.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                memmove(base, base + from, count)
            }
            (start, end) = (0, count)
        }
        let room = max(start + want, end + 65_536)
        if buffer.count < room { buffer.append(contentsOf: repeatElement(0, count: room - buffer.count)) }
        while true {
            if let deadline { try FrameIO.waitReadable(fd, deadline: deadline) }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + end, $0.count - end, 0) }
            if n > 0 { end += n; return }
            if n == 0 { throw .closed }
            if errno == EINTR || errno == EAGAIN { continue }
            if errno == ECONNRESET { throw .closed }
            throw .system(errno)
        }
    }
}
