import Foundation
import HostAuth
import HostBenchmark
import HostConfig
import HostJobs
import HostLoad
import HostParams
import HostPlugins
import HostStorage
import Hummingbird
import NIOCore
import StudioJSON

/// Jobs (docs/api.md): submitting benchmarks, listing, cancelling, and following a job's
/// events over Server-Sent Events with `Last-Event-ID` resume. Another user's job is 404.
struct JobsController {
    let jobs: JobStore
    let hub: JobEventHub
    let runner: JobRunner
    let queue: JobQueue
    let checks: SubmissionChecks
    let audit: AuditLog
    /// Seconds between SSE heartbeat comments.
    let heartbeatSeconds: Int

    func addRoutes(to routes: RouteTable) {
        routes.user(.post, "/api/benchmarks", "Submit a benchmark; answers 202 with the job id and every parameter adjustment",
                    body: RequestBody(schema: BenchmarkRequest.schema, example: BenchmarkRequest.example, limit: 256 << 10),
                    success: .accepted) { _, context, body in
            let user = context.identity.userID
            let request = BenchmarkRequest(json: body)
            let checked = try await checks.benchmark(user: user, request: request)
            let job = try await queue.submitting(userID: user, kind: .benchmark, request: request.json, queue: body["queue"]?.boolValue ?? false)
            try await audit.record(userID: user, email: nil, action: "job.submit", target: job.id, ip: context.clientIP)
            return Response.json(["job_id": .string(job.id), "state": .string(job.state), "adjustments": .array(checked.adjustments),
                                  "warnings": .array(checked.warnings)], status: .accepted)
        }

        routes.user(.get, "/api/benchmarks/defaults", "What a benchmark uses when a field is left out (runs, max_tokens, temperature, context tiers, warm-up, prompt)") { _, _, _ in
            // One place for the defaults (StudioConfig.Defaults): the dashboard's form starts from them.
            var defaults = BenchmarkRequest().json.objectValue ?? [:]
            defaults["targets"] = nil
            defaults["params"] = nil
            return Response.json(.object(defaults))
        }

        routes.user(.post, "/api/loadtests", "Load-test one of your models: concurrency or rate levels (a job: SSE progress, result per level, complete)",
                    body: RequestBody(schema: LoadTestRequest.schema, example: LoadTestRequest.example), success: .accepted) { _, context, body in
            let user = context.identity.userID
            if let (field, message) = LoadTestRequest.problem(body) { throw APIError.badInput(field, message) }
            let request = LoadTestRequest(json: body)
            let target = BenchmarkRequest.single(provider: request.provider, model: request.model)
            if let (_, reason) = try await checks.configuration
                .missingTargets(userID: user, request: target) {
                throw APIError.unprocessable("model", reason)
            }
            let job = try await queue.submitting(userID: user, kind: .loadtest, request: request.json, queue: body["queue"]?.boolValue ?? false)
            return Response.json(["job_id": .string(job.id), "state": .string(job.state), "levels": .int(Int64(request.plan.levels.count))],
                                 status: .accepted)
        }
        routes.user(.get, "/api/jobs", "Your jobs, newest first", query: ["state"]) { request, context, _ in
            let state = request.uri.queryParameters["state"].map(String.init)
            let jobs = try await jobs.list(userID: context.identity.userID, state: state)
            return Response.json(["jobs": .array(try jobs.map(Self.jobJSON))])
        }
        routes.user(.get, "/api/jobs/{id}", "One of your jobs", owned: "job") { _, context, _ in
            guard let job = try await jobs.find(id: try context.parameters.require("id"), userID: context.identity.userID)
            else { throw APIError.notFound }
            return Response.json(try Self.jobJSON(job))
        }
        routes.user(.post, "/api/jobs/{id}/cancel", "Cancel one of your jobs (aborts its in-flight requests)", owned: "job",
                    success: .accepted) { _, context, _ in
            try await cancel(jobID: try context.parameters.require("id"), userID: context.identity.userID, actor: context.identity.userID,
                             ip: context.clientIP)
        }
        routes.user(.get, "/api/jobs/{id}/events", "Follow a job: text/event-stream, resumable with Last-Event-ID", owned: "job",
                    query: ["last_event_id"]) { request, context, _ in
            guard let job = try await jobs.find(id: try context.parameters.require("id"), userID: context.identity.userID)
            else { throw APIError.notFound }
            let header = request.headers[.init("Last-Event-ID")!] ?? request.uri.queryParameters["last_event_id"].map(String.init)
            return eventStream(jobID: job.id, after: min(max(header.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0, 0), Int(Int32.max)))
        }

        routes.admin(.get, "/api/admin/jobs", "Every user's jobs, newest first", query: ["state"]) { request, _, _ in
            let state = request.uri.queryParameters["state"].map(String.init)
            let jobs = try await jobs.list(userID: nil, state: state, limit: 500)
            return Response.json(["jobs": .array(try jobs.map(Self.jobJSON))])
        }
        routes.admin(.post, "/api/admin/jobs/{id}/cancel", "Cancel any user's job", success: .accepted) { _, context, _ in
            try await cancel(jobID: try context.parameters.require("id"), userID: nil, actor: context.identity.userID, ip: context.clientIP)
        }
    }

    private func cancel(jobID: String, userID: String?, actor: String, ip: String?) async throws -> Response {
        guard let outcome = try await jobs.requestCancel(jobID: jobID, userID: userID) else { throw APIError.notFound }
        switch outcome {
        case .cancelledQueued:
            // Never started: its followers learn it from this event.
            let last = try await jobs.events(jobID: jobID, after: 0).last?.seq ?? 0
            try await jobs.appendEvent(jobID: jobID, seq: last + 1, event: "cancelled", data: #"{"message":"cancelled before it started"}"#)
            hub.publish(jobID: jobID, JobEvent(seq: last + 1, name: "cancelled", data: #"{"message":"cancelled before it started"}"#))
        case .requested:
            runner.cancelLocal(jobID: jobID)
        case .alreadyFinished(let state):
            throw APIError(.conflict, "job_finished", "the job already ended (\(state))")
        }
        try await audit.record(userID: actor, email: nil, action: userID == nil ? "admin.job.cancel" : "job.cancel",
                                                 target: jobID, ip: ip)
        return Response.json(["job_id": .string(jobID), "cancelling": true], status: .accepted)
    }

    /// The SSE stream: stored events after `after`, then live ones (from this instance's
    /// hub, or by polling the database for a job running elsewhere), a heartbeat comment
    /// every `heartbeat` seconds; ends after the terminal event.
    func eventStream(jobID: String, after: Int) -> Response {
        let store = jobs
        let hub = hub
        let heartbeat = heartbeatSeconds
        let body = ResponseBody { writer in
            enum Signal: Sendable { case event(JobEvent), tick }
            let (signals, continuation) = AsyncStream<Signal>.makeStream(bufferingPolicy: .unbounded)
            let token = hub.subscribe(jobID: jobID) { continuation.yield(.event($0)) }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 1_000_000_000)
                    continuation.yield(.tick)
                }
            }
            defer {
                ticker.cancel()
                hub.unsubscribe(jobID: jobID, token: token)
                continuation.finish()
            }
            var last = after
            var quiet = 0
            var live = false
            // Writes the stored events after `last`; true when the terminal one was among them.
            func catchUp(_ writer: inout any ResponseBodyWriter) async throws -> Bool {
                for record in try await store.events(jobID: jobID, after: last) {
                    let event = JobEvent(seq: record.seq, name: record.event, data: record.data)
                    try await writer.write(Self.frame(event))
                    last = event.seq
                    if event.isTerminal { return true }
                }
                return false
            }
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            if try await catchUp(&writer) {
                try await writer.finish(nil)
                return
            }
            follow: for await signal in signals {
                switch signal {
                case .event(let event) where event.isPoke:
                    // Another instance stored events for this job: read them now.
                    live = true
                    if try await catchUp(&writer) { break follow }
                case .event(let event):
                    if event.seq <= last { continue }  // already sent from the database
                    if event.seq > last + 1 {  // missed some: the database has them
                        if try await catchUp(&writer) { break follow }
                        continue
                    }
                    try await writer.write(Self.frame(event))
                    last = event.seq
                    quiet = 0
                    live = true
                    if event.isTerminal { break follow }
                case .tick:
                    quiet += 1
                    // No live event this second: the job may run on another instance (or be
                    // between runs); the database is the shared truth.
                    if !live, try await catchUp(&writer) { break follow }
                    live = false
                    if quiet >= heartbeat {
                        try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        quiet = 0
                    }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store",
                                               .init("X-Accel-Buffering")!: "no"], body: body)
    }

    static func frame(_ event: JobEvent) -> ByteBuffer {
        ByteBuffer(string: "id: \(event.seq)\nevent: \(event.name)\ndata: \(event.data)\n\n")
    }

    static func jobJSON(_ job: JobRecord) throws -> JSONValue {
        func time(_ ms: Int64?) -> JSONValue { ms.map { .string(ISO8601.string(fromMilliseconds: $0)) } ?? .null }
        return ["id": .string(job.id), "kind": .string(job.kind), "state": .string(job.state), "user_id": .string(job.userID),
                "request": try job.decodedRequest(),
                // What the job produced (docs/evals.md: result_ref {kind, id}), once it has it.
                "result_ref": job.resultID.map { ["kind": .string(job.resultKind ?? ""), "id": .string($0)] } ?? .null,
                "error": job.error.map(JSONValue.string) ?? .null, "schedule_id": job.scheduleID.map(JSONValue.string) ?? .null,
                "created_at": time(job.createdAt), "started_at": time(job.startedAt), "finished_at": time(job.finishedAt),
                "cancel_requested": .bool(job.cancelRequestedAt != nil),
                // Which instance runs (or ran) it: a random name per process, for operators.
                "instance": job.claimedBy.map(JSONValue.string) ?? .null]
    }
}
