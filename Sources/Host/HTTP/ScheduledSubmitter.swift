import HostAuth
import HostBenchmark
import HostEvals
import HostJobs
import HostPlugins
import HostScheduler
import HostSecurity
import HostStorage
import StudioJSON

/// Submits a schedule's job as its owner: the request is checked again against the
/// owner's configuration as it is now, then queued under their limits.
struct ScheduledSubmitter: Sendable {
    let providers: ProviderStore
    let vault: KeyVault
    let plugins: @Sendable () -> PluginRegistry
    let queue: JobQueue
    let suites: SuiteStore

    func submit(_ schedule: ScheduleRecord) async -> FiringOutcome {
        guard let kind = JobKind(rawValue: schedule.kind), kind == .benchmark || kind == .eval else {
            return .failed("unknown schedule kind \(schedule.kind)")
        }
        let json: JSONValue
        do { json = try schedule.decodedRequest() } catch { return .failed(error.description) }
        // The request is checked again: the owner's providers, models or suite may have changed.
        let benchmark: BenchmarkRequest
        if kind == .eval {
            let eval = EvalRequest(json: json)
            guard (try? await suites.find(userID: schedule.userID, id: eval.suiteID)) != nil else { return .failed("the suite no longer exists") }
            benchmark = eval.asBenchmark
        } else {
            benchmark = BenchmarkRequest(json: json)
        }
        do {
            _ = try await BenchmarkRequestCheck.check(userID: schedule.userID, request: benchmark,
                                                      configuration: UserConfiguration(providers: providers, vault: vault), plugins: plugins())
            let job = try await queue.submit(userID: schedule.userID, kind: kind, request: kind == .eval ? json : benchmark.json,
                                             queue: false, scheduleID: schedule.id)
            return .ok(jobID: job.id)
        } catch let problem as BenchmarkRequestCheck.Problem {
            return .failed(problem.description)
        } catch JobStore.Refusal.busy(let running) {
            return .skipped("job \(running) of the owner was running")
        } catch JobStore.Refusal.hourlyLimit(let limit, _) {
            return .skipped("the owner's limit of \(limit) jobs per hour was reached")
        } catch {
            return .failed("could not submit: \(SecretScrubber().scrub(String(describing: error)))")
        }
    }
}
