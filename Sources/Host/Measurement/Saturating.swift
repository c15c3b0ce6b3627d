/// Conversions from a floating-point value that never trap. Swift's `Int(x)` and
/// `UInt64(x)` stop the process when `x` is NaN, infinite or out of range, and values that
/// reach them may come from a request, a provider or a plugin: every such conversion goes
/// through here instead (docs/deploy.md, "Security": no input reaches a trapping conversion).
public enum Saturating {
    /// `seconds` as nanoseconds, clamped to 0…UInt64.max (NaN is 0).
    public static func nanoseconds(seconds: Double) -> UInt64 { uint64(seconds * 1e9) }

    /// `milliseconds` as nanoseconds, clamped to 0…UInt64.max (NaN is 0).
    public static func nanoseconds(milliseconds: Double) -> UInt64 { uint64(milliseconds * 1e6) }

    /// `value` rounded toward zero, clamped to 0…UInt64.max (NaN is 0).
    public static func uint64(_ value: Double) -> UInt64 {
        guard value.isFinite, value > 0 else { return value == .infinity ? .max : 0 }
        return value >= 18_446_744_073_709_551_615.0 ? .max : UInt64(value)
    }

    /// `value` rounded toward zero, clamped to Int.min…Int.max (NaN is 0).
    public static func int(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        if value >= 9_223_372_036_854_775_807.0 { return .max }
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        return Int(value)
    }

    /// `a + b` clamped to UInt64.max instead of trapping on overflow.
    public static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// `a + b` clamped to Int.min…Int.max instead of trapping on overflow.
    public static func add(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
