/// What a job does. The raw value is what the `jobs.kind` column and the API hold; a
/// schedule's kind is `benchmark` or `eval`. (A load test's run in history has kind
/// `load`; its job is `loadtest`.)
public enum JobKind: String, Sendable, CaseIterable {
    case benchmark
    case eval
    case judge
    case loadtest
    /// A parameter tuning run (docs/tuning.md).
    case tune
}
