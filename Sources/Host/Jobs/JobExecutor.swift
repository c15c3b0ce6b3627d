import HostStorage
import StudioJSON

/// Runs one kind of job (benchmark, eval, load test, judge). It emits its own progress
/// and terminal event (`complete`, or `cancelled` when its task is cancelled); throwing
/// makes the job `failed` with an `error` event written by the runner.
public protocol JobExecutor: Sendable {
    var kind: JobKind { get }
    func run(_ job: JobRecord, events: JobEventWriter) async throws
}
