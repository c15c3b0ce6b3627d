import HostAuth
import HostBenchmark
import HostEvals
import HostJobs
import HostPlugins
import HostStorage

/// What a request must pass before its job is queued, as the API answers it (422 naming
/// the field, under `prefix` when the request sits inside a larger body: a schedule's
/// `request`). Shared by the benchmark, load-test, eval and schedule routes.
struct SubmissionChecks: Sendable {
    let configuration: UserConfiguration
    let catalog: PluginCatalog
    let judge: JudgeServices
    let experiments: ExperimentStore

    /// The request's targets and parameters against the user's configuration.
    func benchmark(user: String, request: BenchmarkRequest, prefix: String = "") async throws -> BenchmarkRequestCheck.Checked {
        do {
            return try await BenchmarkRequestCheck.check(userID: user, request: request, configuration: configuration, plugins: catalog.current)
        } catch let problem as BenchmarkRequestCheck.Problem {
            throw APIError.unprocessable(prefix.isEmpty ? problem.field : prefix + "." + problem.field, problem.message)
        } catch let damaged as StoredValueError {
            throw APIError.unprocessable(prefix.isEmpty ? "targets" : prefix + ".targets", damaged.description)
        }
    }

    /// An eval that asks for inline judging needs judge settings that can judge.
    func inlineJudging(_ request: EvalRequest, user: String, prefix: String = "") async throws {
        guard request.judge else { return }
        if let (field, message) = try await judge.problem(userID: user, settings: try await judge.userSettings(user)) {
            throw APIError.unprocessable(prefix.isEmpty ? "judge" : prefix + ".judge", "\(field): \(message)")
        }
    }

    /// The experiment a request joins (`experiment_id`): the caller's own, on the request's suite.
    func experiment(_ id: String?, suiteID: String?, user: String) async throws -> ExperimentRecord? {
        guard let id else { return nil }
        guard let experiment = try await experiments.find(userID: user, id: id) else {
            throw APIError.unprocessable("experiment_id", "you have no experiment \(id)")
        }
        guard experiment.suiteID == suiteID else {
            throw APIError.unprocessable("experiment_id", "the experiment \(experiment.name) is on another suite (\(experiment.suiteID))")
        }
        return experiment
    }
}
