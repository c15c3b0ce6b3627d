import HostStorage
import StudioJSON

/// The override policy (docs/evals.md): a verdict's override score is always stored and shown;
/// with policy `apply` it replaces the automatic score (passed = override ≥ 1) in the
/// results and in the summaries computed from them.
public enum JudgeOverrides {
    /// The results with overrides applied, and each changed result's automatic score.
    public static func apply(_ results: [CaseResultRecord], verdicts: [String: JudgeVerdictRecord],
                             policy: String) throws(StoredValueError) -> ([CaseResultRecord], [String: Double]) {
        guard policy == "apply" else { return (results, [:]) }
        var original: [String: Double] = [:]
        let changed = try results.map { result throws(StoredValueError) -> CaseResultRecord in
            guard let verdict = try verdicts[result.id]?.decodedVerdict(),
                  verdict["error"] == nil, let override = verdict["override_score"]?.doubleValue else { return result }
            var result = result
            original[result.id] = result.score ?? 0
            result.score = override
            result.passed = override >= 1
            return result
        }
        return (changed, original)
    }
}
