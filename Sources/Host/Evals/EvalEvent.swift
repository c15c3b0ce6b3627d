import HostBenchmark
import HostStorage
import HostTransport
import StudioJSON

/// Progress of an eval as it happens, in order: every result, and each model's summary
/// once its cases are done.
public enum EvalEvent: Sendable {
    case result(CaseResultRecord, done: Int, total: Int)
    case modelSummary(JSONValue)
}
