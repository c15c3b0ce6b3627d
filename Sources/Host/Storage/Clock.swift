import Foundation

/// Wall-clock time for stored rows (Unix milliseconds). Measurements never use this:
/// they use the monotonic clock.
public enum Clock {
    public static func milliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
