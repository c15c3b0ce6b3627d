#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one clock of every measurement: CLOCK_MONOTONIC in nanoseconds (≈20 ns a call,
/// 1 ns resolution here). The simulator stamps its writes with the same clock, so on one
/// machine a client's read times and the simulator's write times are directly comparable.
public enum MonotonicClock {
    @inline(__always)
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Milliseconds between two readings (negative when `end` precedes `start`).
    @inline(__always)
    public static func milliseconds(from start: UInt64, to end: UInt64) -> Double {
        (Double(end) - Double(start)) / 1_000_000
    }
}
