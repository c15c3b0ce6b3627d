import Foundation
import StudioJSON

/// The position-bias rule of pairwise judging (reference/judge.md, MT-Bench): each case
/// is judged twice, run A shown first and then run B shown first; a run wins the case
/// only when both orders pick it, anything else is a tie.
public enum PairwiseRule {
    public enum Outcome: String, Sendable { case a, b, tie }

    /// `aFirst`: the pick with run A shown first; `bFirst`: with run B shown first.
    public static func outcome(aFirst: PairwisePick, bFirst: PairwisePick) -> Outcome {
        let first: Outcome = aFirst == .first ? .a : aFirst == .second ? .b : .tie
        let second: Outcome = bFirst == .first ? .b : bFirst == .second ? .a : .tie
        return first == second ? first : .tie
    }

    /// Win/tie/loss of A against B with a two-sided exact sign test over the decided
    /// cases (ties carry no direction): `confidence` = 1 − p, and which run is better
    /// at the 95 % level, if either.
    public static func summary(_ outcomes: [Outcome], errors: Int) -> JSONValue {
        let a = outcomes.filter { $0 == .a }.count
        let b = outcomes.filter { $0 == .b }.count
        let ties = outcomes.count - a - b
        let p = signTestP(wins: a, losses: b)
        let better: JSONValue = p < 0.05 ? .string(a > b ? "a" : "b") : .null
        return ["wins_a": .int(Int64(a)), "wins_b": .int(Int64(b)), "ties": .int(Int64(ties)), "errors": .int(Int64(errors)),
                "cases": .int(Int64(outcomes.count + errors)),
                "win_rate_a": outcomes.isEmpty ? .null : .double((Double(a) + 0.5 * Double(ties)) / Double(outcomes.count)),
                "p_value": .double(p), "confidence": .double(1 - p), "better": better]
    }

    /// Two-sided exact binomial test of `wins` against `losses` with p = ½.
    static func signTestP(wins: Int, losses: Int) -> Double {
        let n = wins + losses
        guard n > 0 else { return 1 }
        let k = min(wins, losses)
        // P(X ≤ k) for X ~ Binomial(n, ½), summed in log space (n can be thousands).
        var tail = 0.0
        for i in 0...k {
            tail += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) - Double(n) * log(2.0))
        }
        return min(1, 2 * tail)
    }
}
