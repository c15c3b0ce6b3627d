import SQLKit

/// A job as stored: benchmarks, evals, load tests, judge runs and scheduled runs all go
/// through this one table and its states: queued → running → done | failed | cancelled |
/// interrupted.
public struct JobRecord: Sendable, Equatable, Codable {
    public var id: String
    public var userID: String
    public var kind: String
    public var state: String
    /// The validated request, JSON text.
    public var request: String
    public var resultKind: String?
    public var resultID: String?
    public var error: String?
    public var scheduleID: String?
    public var createdAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?
    public var claimedBy: String?
    public var leaseExpiresAt: Int64?
    public var cancelRequestedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, kind, state, request, error
        case userID = "user_id", resultKind = "result_kind", resultID = "result_id", scheduleID = "schedule_id"
        case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at", claimedBy = "claimed_by"
        case leaseExpiresAt = "lease_expires_at", cancelRequestedAt = "cancel_requested_at"
    }

    public static let activeStates = ["queued", "running"]
    public static let terminalStates: Set<String> = ["done", "failed", "cancelled", "interrupted"]
    public var isTerminal: Bool { Self.terminalStates.contains(state) }
}

/// One stored progress event of a job (the SSE stream's durable half).
public struct JobEventRecord: Sendable, Equatable, Codable {
    public let seq: Int
    public let event: String
    public let data: String
}

/// Jobs and their events. The queue lives in the database so that it survives restarts
/// and is shared by every instance: a job is claimed in a transaction (with `FOR UPDATE
/// SKIP LOCKED` on PostgreSQL), held by a lease its instance renews, and declared
/// `interrupted` when the lease lapses.
public struct JobStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    /// Studio-wide defaults for users without their own limits.
    public struct Limits: Sendable {
        public var jobsPerHour = 60
        public var concurrentJobs = 1
        public init(jobsPerHour: Int = 60, concurrentJobs: Int = 1) {
            self.jobsPerHour = jobsPerHour
            self.concurrentJobs = concurrentJobs
        }
    }

    public enum Refusal: Error, Equatable {
        /// The user's job slots are taken by these jobs (the first is running).
        case busy(runningJobID: String)
        /// The hourly limit is reached; a slot frees after this many milliseconds.
        case hourlyLimit(limit: Int, retryAfterMilliseconds: Int64)
    }

    static let columns = ["id", "user_id", "kind", "state", "request", "result_kind", "result_id", "error", "schedule_id",
                          "created_at", "started_at", "finished_at", "claimed_by", "lease_expires_at", "cancel_requested_at"]

    /// Queues a job after the per-user limits (checked in the same transaction as the
    /// insert, so two simultaneous submissions cannot both take the last slot). Without
    /// `queue`, a user whose running slots are full is refused with the running job named.
    public func submit(userID: String, kind: String, request: String, queue: Bool, scheduleID: String? = nil,
                       defaults: Limits = Limits(), now: Int64 = Clock.milliseconds()) async throws -> JobRecord {
        try await database.transaction { db in
            let limits = try await db.select().columns("max_jobs_per_hour", "max_concurrent_jobs").from("users")
                .where("id", .equal, userID).first()
            let perHour = (try limits?.decode(column: "max_jobs_per_hour", as: Int?.self) ?? nil) ?? defaults.jobsPerHour
            let concurrent = (try limits?.decode(column: "max_concurrent_jobs", as: Int?.self) ?? nil) ?? defaults.concurrentJobs
            let recent = try await db.select().column("created_at").from("jobs").where("user_id", .equal, userID)
                .where("created_at", .greaterThan, now - 3_600_000).orderBy("created_at").all(decodingColumn: "created_at", as: Int64.self)
            if recent.count >= perHour, let oldest = recent.first {
                throw Refusal.hourlyLimit(limit: perHour, retryAfterMilliseconds: max(1, oldest + 3_600_000 - now))
            }
            if !queue {
                let active = try await db.select().columns("id", "state").from("jobs").where("user_id", .equal, userID)
                    .where("state", .in, JobRecord.activeStates).orderBy("created_at").all()
                let running = try active.filter { try $0.decode(column: "state", as: String.self) == "running" }
                if active.count >= concurrent, let first = running.first ?? active.first {
                    throw Refusal.busy(runningJobID: try first.decode(column: "id", as: String.self))
                }
            }
            let job = JobRecord(id: RecordID.make(), userID: userID, kind: kind, state: "queued", request: request,
                                resultKind: nil, resultID: nil, error: nil, scheduleID: scheduleID, createdAt: now,
                                startedAt: nil, finishedAt: nil, claimedBy: nil, leaseExpiresAt: nil, cancelRequestedAt: nil)
            try await db.insert(into: "jobs").columns("id", "user_id", "kind", "state", "request", "schedule_id", "created_at")
                .values(SQLBind(job.id), SQLBind(userID), SQLBind(kind), SQLBind("queued"), SQLBind(request), SQLBind(scheduleID), SQLBind(now))
                .run()
            return job
        }
    }

    /// Claims the oldest queued job whose owner has a free running slot, for `instance`,
    /// with a lease of `leaseMilliseconds`. nil when there is none.
    public func claimNext(instance: String, leaseMilliseconds: Int64, defaults: Limits = Limits(),
                         now: Int64 = Clock.milliseconds()) async throws -> JobRecord? {
        let lock = database.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await database.transaction { db in
            let candidate = try await db.raw("""
                SELECT j.id FROM jobs j WHERE j.state = 'queued' AND (SELECT COUNT(*) FROM jobs r WHERE r.user_id = j.user_id
                AND r.state = 'running') < COALESCE((SELECT u.max_concurrent_jobs FROM users u WHERE u.id = j.user_id), \(literal: defaults.concurrentJobs))
                ORDER BY j.created_at, j.id LIMIT 1\(unsafeRaw: lock)
                """).first(decodingColumn: "id", as: String.self)
            guard let id = candidate else { return nil }
            try await db.update("jobs").set("state", to: SQLBind("running")).set("started_at", to: SQLBind(now))
                .set("claimed_by", to: SQLBind(instance)).set("lease_expires_at", to: SQLBind(now + leaseMilliseconds))
                .where("id", .equal, id).where("state", .equal, "queued").run()
            return try await db.select().columns(Self.columns).from("jobs").where("id", .equal, id).first(decoding: JobRecord.self)
        }
    }

    /// Extends the lease of a job this instance runs. Returns whether someone asked for
    /// cancellation, or nil when the job is no longer this instance's (lease lost).
    public func renewLease(jobID: String, instance: String, leaseMilliseconds: Int64,
                           now: Int64 = Clock.milliseconds()) async throws -> Bool? {
        try await database.transaction { db in
            guard let row = try await db.select().columns("cancel_requested_at").from("jobs").where("id", .equal, jobID)
                .where("claimed_by", .equal, instance).where("state", .equal, "running").first() else { return nil }
            try await db.update("jobs").set("lease_expires_at", to: SQLBind(now + leaseMilliseconds)).where("id", .equal, jobID).run()
            return try !row.decodeNil(column: "cancel_requested_at")
        }
    }

    public enum CancelOutcome: Sendable, Equatable {
        /// It was queued: it is cancelled now.
        case cancelledQueued
        /// It is running: its instance stops it at once (same instance) or at its next lease renewal.
        case requested
        case alreadyFinished(state: String)
    }

    /// Asks for a job's cancellation; `userID` nil is an admin acting on any job. nil when
    /// the job does not exist for this caller.
    public func requestCancel(jobID: String, userID: String?, now: Int64 = Clock.milliseconds()) async throws -> CancelOutcome? {
        try await database.transaction { db in
            var query = db.select().columns("state").from("jobs").where("id", .equal, jobID)
            if let userID { query = query.where("user_id", .equal, userID) }
            guard let state = try await query.first(decodingColumn: "state", as: String.self) else { return nil }
            switch state {
            case "queued":
                try await db.update("jobs").set("state", to: SQLBind("cancelled")).set("finished_at", to: SQLBind(now))
                    .set("cancel_requested_at", to: SQLBind(now)).where("id", .equal, jobID).run()
                return .cancelledQueued
            case "running":
                try await db.update("jobs").set("cancel_requested_at", to: SQLBind(now)).where("id", .equal, jobID).run()
                return .requested
            default:
                return .alreadyFinished(state: state)
            }
        }
    }

    /// Records the job's outcome (only while it is still running: an interrupted job stays so).
    public func finish(jobID: String, state: String, error: String? = nil, now: Int64 = Clock.milliseconds()) async throws {
        precondition(JobRecord.terminalStates.contains(state))
        try await database.withSQL { db in
            try await db.update("jobs").set("state", to: SQLBind(state)).set("error", to: SQLBind(error))
                .set("finished_at", to: SQLBind(now)).set("lease_expires_at", to: SQLBind(Int64?.none))
                .where("id", .equal, jobID).where("state", .equal, "running").run()
        }
    }

    public func setResult(jobID: String, kind: String, id: String) async throws {
        try await database.withSQL { db in
            try await db.update("jobs").set("result_kind", to: SQLBind(kind)).set("result_id", to: SQLBind(id)).where("id", .equal, jobID).run()
        }
    }

    /// Jobs whose lease lapsed (their instance died) become `interrupted`, with an `error`
    /// event so that followers learn it, and so does every record they were writing (a
    /// benchmark or load run, an eval run, a judge report): nothing stays `running` after a
    /// crash. With `all`, every running job (a single-machine studio starting up: nothing
    /// else can be running them). Returns the jobs changed. Interrupted jobs are never
    /// started again by themselves: the user submits anew.
    @discardableResult
    public func interruptAbandoned(all: Bool = false, now: Int64 = Clock.milliseconds()) async throws -> [JobRecord] {
        try await database.transaction { db in
            var query = db.select().columns(Self.columns).from("jobs").where("state", .equal, "running")
            if !all { query = query.where("lease_expires_at", .lessThan, now) }
            let jobs = try await query.all(decoding: JobRecord.self)
            for job in jobs {
                try await db.update("jobs").set("state", to: SQLBind("interrupted")).set("finished_at", to: SQLBind(now))
                    .set("error", to: SQLBind("the instance running this job stopped")).where("id", .equal, job.id).run()
                let next = try await db.raw("SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM job_events WHERE job_id = \(bind: job.id)")
                    .first(decodingColumn: "n", as: Int.self) ?? 1
                try await db.insert(into: "job_events").columns("job_id", "seq", "event", "data", "created_at")
                    .values(SQLBind(job.id), SQLBind(next), SQLBind("error"),
                            SQLBind(#"{"state":"interrupted","message":"the instance running this job stopped; finished runs are kept"}"#),
                            SQLBind(now)).run()
                for table in ["benchmark_runs", "tool_eval_runs", "judge_reports"] {
                    try await db.update(table).set("status", to: SQLBind("interrupted")).set("finished_at", to: SQLBind(now))
                        .where("job_id", .equal, job.id).where("status", .equal, "running").run()
                }
            }
            return jobs
        }
    }

    /// A job of this user (nil: any user's, for admins).
    public func find(id: String, userID: String?) async throws -> JobRecord? {
        try await database.withSQL { db in
            var query = db.select().columns(Self.columns).from("jobs").where("id", .equal, id)
            if let userID { query = query.where("user_id", .equal, userID) }
            return try await query.first(decoding: JobRecord.self)
        }
    }

    /// How many jobs are in each state, all users and instances together (for metrics).
    public func countsByState() async throws -> [String: Int] {
        try await database.withSQL { db in
            var counts: [String: Int] = [:]
            for row in try await db.raw("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() {
                counts[try row.decode(column: "state", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            return counts
        }
    }

    /// Newest first; `userID` nil lists everyone's (admin).
    public func list(userID: String?, state: String? = nil, limit: Int = 100) async throws -> [JobRecord] {
        try await database.withSQL { db in
            var query = db.select().columns(Self.columns).from("jobs")
            if let userID { query = query.where("user_id", .equal, userID) }
            if let state { query = query.where("state", .equal, state) }
            return try await query.orderBy("created_at", .descending).limit(limit).all(decoding: JobRecord.self)
        }
    }

    public func appendEvent(jobID: String, seq: Int, event: String, data: String, now: Int64 = Clock.milliseconds()) async throws {
        try await database.withSQL { db in
            try await db.insert(into: "job_events").columns("job_id", "seq", "event", "data", "created_at")
                .values(SQLBind(jobID), SQLBind(seq), SQLBind(event), SQLBind(data), SQLBind(now)).run()
        }
    }

    /// The channel on which instances tell each other a job has new events.
    static let eventChannel = "studio_job_events"

    /// Tells the other instances (PostgreSQL) that `jobID` has new events.
    public func announce(jobID: String, from instance: String) async throws {
        try await database.notify(channel: Self.eventChannel, payload: "\(instance) \(jobID)")
    }

    /// Calls `handle(jobID)` for every job another instance announced, until cancelled.
    public func listenForAnnouncements(instance: String, _ handle: @escaping @Sendable (String) -> Void) async {
        await database.listen(channel: Self.eventChannel) { payload in
            let parts = payload.split(separator: " ")
            guard parts.count == 2, parts[0] != instance else { return }
            handle(String(parts[1]))
        }
    }

    /// Events after `seq`, in order.
    public func events(jobID: String, after seq: Int) async throws -> [JobEventRecord] {
        try await database.withSQL { db in
            try await db.select().columns("seq", "event", "data").from("job_events").where("job_id", .equal, jobID)
                .where("seq", .greaterThan, seq).orderBy("seq").all(decoding: JobEventRecord.self)
        }
    }
}
