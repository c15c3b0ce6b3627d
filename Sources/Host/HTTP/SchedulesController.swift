import Foundation
import HostAuth
import HostBenchmark
import HostEvals
import HostJobs
import HostScheduler
import HostStorage
import Hummingbird
import StudioJSON

/// `/api/schedules` (docs/api.md): interval or cron schedules that run benchmarks as
/// their owner, "run now", and the record of firings. Another user's schedule is 404.
struct SchedulesController {
    let schedules: ScheduleStore
    let scheduler: Scheduler
    let suites: SuiteStore
    let checks: SubmissionChecks
    let clock: any SchedulerClock
    let auditLog: AuditLog

    static let schema = Schema.object([
        ("name", Schema.name(min: 1, max: 200)),
        ("kind", Schema.oneOf(["benchmark", "eval"])),
        ("request", Schema.anyObject),
        ("interval_hours", Schema.integer(1...720, nullable: true)),
        ("cron", Schema.nullableString(max: 200)),
        ("time_zone", Schema.name(min: 1, max: 64)),
        ("enabled", Schema.boolean),
    ], required: ["name", "kind", "request"])
    static let example: JSONValue = ["name": "nightly speed check", "kind": "benchmark", "request": BenchmarkRequest.example,
                                     "cron": "30 2 * * *", "time_zone": "Europe/Paris", "enabled": true]

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/schedules", "Your schedules with their next fire time") { _, context, _ in
            let list = try await schedules.list(userID: context.identity.userID)
            return Response.json(["schedules": .array(try list.map(Self.json))])
        }
        routes.user(.post, "/api/schedules", "Create a schedule (interval_hours 1–720, or a 5-field cron with a time zone)",
                    body: RequestBody(schema: Self.schema, example: Self.example), success: .created) { _, context, body in
            let schedule = try await checked(body, userID: context.identity.userID, id: RecordID.make(),
                                             createdAt: clock.now())
            try await schedules.create(schedule)
            scheduler.nudge()
            try await audit(context, "schedule.create", schedule.id)
            return Response.json(try Self.json(schedule), status: .created)
        }
        routes.user(.get, "/api/schedules/{id}", "One of your schedules", owned: "schedule") { _, context, _ in
            Response.json(try Self.json(try await find(context)))
        }
        routes.user(.put, "/api/schedules/{id}", "Replace a schedule", body: RequestBody(schema: Self.schema, example: Self.example),
                    owned: "schedule") { _, context, body in
            let current = try await find(context)
            let schedule = try await checked(body, userID: current.userID, id: current.id, createdAt: current.createdAt)
            guard try await schedules.update(schedule) else { throw APIError.notFound }
            scheduler.nudge()
            try await audit(context, "schedule.update", schedule.id)
            return Response.json(try Self.json(schedule))
        }
        routes.user(.delete, "/api/schedules/{id}", "Delete a schedule (its firings go with it)", owned: "schedule",
                    success: .noContent) { _, context, _ in
            let id = try context.parameters.require("id")
            guard try await schedules.delete(userID: context.identity.userID, id: id) else { throw APIError.notFound }
            scheduler.nudge()
            try await audit(context, "schedule.delete", id)
            return Response(status: .noContent)
        }
        routes.user(.post, "/api/schedules/{id}/run", "Run a schedule now (recorded as a firing)", owned: "schedule",
                    success: .accepted) { _, context, _ in
            let schedule = try await find(context)
            let (firing, outcome) = await scheduler.fire(schedule, at: clock.now())
            switch outcome {
            case .ok(let job):
                return Response.json(["firing_id": .string(firing), "outcome": "ok", "job_id": .string(job)], status: .accepted)
            case .skipped(let why):
                throw APIError(.conflict, "job_running", why)
            case .failed(let why):
                throw APIError(.unprocessableContent, "schedule_failed", why)
            }
        }
        routes.user(.get, "/api/schedules/{id}/firings", "Firings of a schedule, newest first, with the runs they produced",
                    owned: "schedule") { _, context, _ in
            let schedule = try await find(context)
            let firings = try await schedules.firings(userID: schedule.userID, scheduleID: schedule.id)
            return Response.json(["firings": .array(firings.map { f in
                ["id": .string(f.id), "fired_at": .string(ISO8601.string(fromMilliseconds: f.firedAt)), "outcome": .string(f.outcome),
                 "job_id": f.jobID.map(JSONValue.string) ?? .null, "job_state": f.jobState.map(JSONValue.string) ?? .null,
                 "run_id": f.runID.map(JSONValue.string) ?? .null, "detail": f.detail.map(JSONValue.string) ?? .null]
            })])
        }
    }

    private func find(_ context: AuthenticatedContext) async throws -> ScheduleRecord {
        guard let schedule = try await schedules.find(userID: context.identity.userID, id: try context.parameters.require("id"))
        else { throw APIError.notFound }
        return schedule
    }

    /// The schedule a body describes, after the checks the schema cannot make.
    private func checked(_ body: JSONValue, userID: String, id: String, createdAt: Int64) async throws -> ScheduleRecord {
        let interval = body["interval_hours"]?.intValue.map(Int.init)
        let cron = body["cron"]?.stringValue
        guard (interval == nil) != (cron == nil) else {
            throw APIError.badInput(interval == nil ? "cron" : "interval_hours", "give either interval_hours (1–720) or cron, not both")
        }
        let zone = body["time_zone"]?.stringValue ?? "UTC"
        guard TimeZone(identifier: zone) != nil else { throw APIError.badInput("time_zone", "\"\(zone)\" is not a known time zone (e.g. UTC, Europe/Paris)") }
        if let cron {
            do { _ = try CronExpression(cron) } catch { throw APIError.badInput("cron", error.description) }
        }
        let kind = try body.requiredString("kind")
        let requestJSON = body["request"] ?? [:]
        let storedRequest: JSONValue
        if kind == "eval" {
            if let violation = JSONSchema(EvalRequest.schema).validate(requestJSON).first { throw RouteTable.error(for: violation, prefix: "request") }
            let request = EvalRequest(json: requestJSON)
            guard try await suites.find(userID: userID, id: request.suiteID) != nil else {
                throw APIError.unprocessable("request.suite_id", "you have no suite \(request.suiteID)")
            }
            _ = try await checks.benchmark(user: userID, request: request.asBenchmark, prefix: "request")
            try await checks.inlineJudging(request, user: userID, prefix: "request")
            storedRequest = request.json
        } else {
            if let violation = JSONSchema(BenchmarkRequest.schema).validate(requestJSON).first {
                throw RouteTable.error(for: violation, prefix: "request")
            }
            let request = BenchmarkRequest(json: requestJSON)
            _ = try await checks.benchmark(user: userID, request: request, prefix: "request")
            storedRequest = request.json
        }
        var schedule = ScheduleRecord(id: id, userID: userID, name: try body.requiredString("name"), kind: kind,
                                      request: storedRequest.jsonString, intervalHours: interval, cron: cron, timeZone: zone,
                                      enabled: body["enabled"]?.boolValue ?? true, nextFireAt: nil, createdAt: createdAt)
        schedule.nextFireAt = schedule.enabled ? Scheduler.nextFire(schedule, after: clock.now()) : nil
        return schedule
    }

    private func audit(_ context: AuthenticatedContext, _ action: String, _ target: String) async throws {
        try await auditLog.record(userID: context.identity.userID, email: nil, action: action, target: target, ip: context.clientIP)
    }

    static func json(_ s: ScheduleRecord) throws -> JSONValue {
        ["id": .string(s.id), "name": .string(s.name), "kind": .string(s.kind), "request": try s.decodedRequest(),
         "interval_hours": s.intervalHours.map { .int(Int64($0)) } ?? .null, "cron": s.cron.map(JSONValue.string) ?? .null,
         "time_zone": .string(s.timeZone), "enabled": .bool(s.enabled),
         "next_fire_at": s.nextFireAt.map { .string(ISO8601.string(fromMilliseconds: $0)) } ?? .null,
         "created_at": .string(ISO8601.string(fromMilliseconds: s.createdAt)),
         "updated_at": .string(ISO8601.string(fromMilliseconds: s.updatedAt))]
    }
}
