/// How far the figures of a (target, tier) can be trusted (docs/measurement.md).
public enum Confidence: String, Sendable, Equatable {
    case high, medium, low

    /// high: CV < 10 % and n ≥ 3; low: CV > 30 % or n = 1; medium otherwise.
    /// `cvPercent` is nil when it cannot be computed (n < 2).
    public static func rule(cvPercent: Double?, count: Int) -> Confidence? {
        guard count >= 1 else { return nil }
        if count == 1 { return .low }
        guard let cv = cvPercent else { return .medium }
        if cv > 30 { return .low }
        if cv < 10 && count >= 3 { return .high }
        return .medium
    }

    /// The studio's confidence for a (target, tier): the rule applied to the larger CV of
    /// TTFT and output speed, the two figures users rank by.
    public static func of(ttft: MetricSummary?, outputSpeed: MetricSummary?) -> Confidence? {
        let count = max(ttft?.count ?? 0, outputSpeed?.count ?? 0)
        let cvs = [ttft?.cvPercent, outputSpeed?.cvPercent].compactMap { $0 }
        return rule(cvPercent: cvs.max(), count: count)
    }
}
