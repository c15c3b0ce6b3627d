import StudioJSON

/// A scorer: (case, normalized model output) → ScoreResult. Pure.
public protocol Scorer: Sendable {
    /// `config` is the scorer's configuration ({} when none).
    init(config: JSONValue) throws
    func score(case testCase: JSONValue, output: JSONValue) throws -> ScoreResult
}
