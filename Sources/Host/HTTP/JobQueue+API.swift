import HostJobs
import HostStorage
import HTTPTypes
import StudioJSON

extension JobQueue {
    /// Submits a job for a route: the owner's limits answer 409 naming the running job,
    /// or 429 with Retry-After past the hourly limit.
    func submitting(userID: String, kind: JobKind, request: JSONValue, queue: Bool) async throws -> JobRecord {
        do {
            return try await submit(userID: userID, kind: kind, request: request, queue: queue)
        } catch let refusal as JobStore.Refusal {
            switch refusal {
            case .busy(let running):
                var error = APIError(.conflict, "job_running",
                                     "job \(running) is still running; wait for it, cancel it, or submit with \"queue\": true")
                error.headers[.init("X-Running-Job")!] = running
                throw error
            case .hourlyLimit(let limit, let retryAfter):
                var error = APIError(.tooManyRequests, "job_limit", "at most \(limit) jobs per hour; try again later")
                error.headers[.retryAfter] = String((retryAfter + 999) / 1000)
                throw error
            }
        }
    }
}
