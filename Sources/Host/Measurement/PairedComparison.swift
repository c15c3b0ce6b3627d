import Foundation

/// Whether a candidate beats a baseline on the same cases (docs/tuning.md, "Honest
/// comparison"). Scores are paired case by case, so a difference between cases never
/// passes for a difference between configurations:
/// - the mean of the per-case differences (candidate − baseline);
/// - its 95 % bootstrap percentile interval (cases resampled with replacement, seeded);
/// - a two-sided paired sign-flip permutation test of that mean: exact over every flip
///   for up to 16 non-zero differences, else over `resamples` seeded random flips.
/// A claim is `better` or `worse` only when p < 0.05 and the interval leaves out 0.
public struct PairedComparison: Sendable, Equatable {
    public enum Verdict: String, Sendable { case better, worse, noSignificantDifference = "no significant difference" }

    public let cases: Int
    public let meanDifference: Double
    public let low: Double
    public let high: Double
    public let pValue: Double

    public var verdict: Verdict {
        guard pValue < 0.05, low > 0 || high < 0 else { return .noSignificantDifference }
        return meanDifference > 0 ? .better : .worse
    }

    /// `baseline` and `candidate` hold one score per case, in the same case order.
    public static func of(baseline: [Double], candidate: [Double], seed: UInt64 = 1, resamples: Int = 4000) -> PairedComparison {
        precondition(baseline.count == candidate.count, "paired scores need the same cases")
        let differences = zip(candidate, baseline).map { $0 - $1 }
        let n = differences.count
        guard n > 0 else { return PairedComparison(cases: 0, meanDifference: 0, low: 0, high: 0, pValue: 1) }
        let mean = differences.reduce(0, +) / Double(n)
        var generator = SeededGenerator(seed: seed)

        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += differences[Int(generator.next() % UInt64(n))] }
            means.append(sum / Double(n))
        }
        means.sort()
        let low = means[Int((Double(resamples) * 0.025).rounded(.down))]
        let high = means[min(resamples - 1, Int((Double(resamples) * 0.975).rounded(.down)))]

        return PairedComparison(cases: n, meanDifference: mean, low: low, high: high,
                                pValue: signFlipP(differences, observed: abs(mean), generator: &generator, resamples: resamples))
    }

    /// P(|mean of randomly signed differences| ≥ |observed mean|) under "no difference",
    /// where each difference is as likely to have had the other sign.
    static func signFlipP(_ differences: [Double], observed: Double, generator: inout SeededGenerator, resamples: Int) -> Double {
        let nonZero = differences.filter { $0 != 0 }
        guard !nonZero.isEmpty else { return 1 }
        let n = Double(differences.count)
        let tolerance = 1e-12 * max(1, observed)
        if nonZero.count <= 16 {
            var extreme = 0
            let total = 1 << nonZero.count
            for mask in 0..<total {
                var sum = 0.0
                for (i, d) in nonZero.enumerated() { sum += mask & (1 << i) == 0 ? d : -d }
                if abs(sum / n) >= observed - tolerance { extreme += 1 }
            }
            return Double(extreme) / Double(total)
        }
        var extreme = 0
        for _ in 0..<resamples {
            var sum = 0.0
            var bits: UInt64 = 0, left = 0
            for d in nonZero {
                if left == 0 { bits = generator.next(); left = 64 }
                sum += bits & 1 == 0 ? d : -d
                bits >>= 1; left -= 1
            }
            if abs(sum / n) >= observed - tolerance { extreme += 1 }
        }
        // The observed signing counts as one of the draws, so p is never 0.
        return Double(extreme + 1) / Double(resamples + 1)
    }
}
