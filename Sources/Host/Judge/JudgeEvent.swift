import StudioJSON

/// What a judge run reports as it goes, in the order it happens: the recorder (a judge or
/// eval job) stores and streams each one under its `name`, as `BenchmarkEvent` and
/// `EvalEvent` are for their runners.
public enum JudgeEvent: Sendable {
    /// How many of the pairs (or results) to judge are done.
    case progress(JSONObject)
    /// One verdict, or the judge error that stands in for it.
    case verdict(JSONObject)
    /// A model's report card, or a comparison's summary.
    case report(JSONObject)

    /// The job event's name (docs/api.md, job events).
    public var name: String {
        switch self {
        case .progress: "progress"
        case .verdict: "judge_verdict"
        case .report: "judge_report"
        }
    }

    public var data: JSONValue {
        switch self {
        case .progress(let o), .verdict(let o), .report(let o): .object(o)
        }
    }
}
