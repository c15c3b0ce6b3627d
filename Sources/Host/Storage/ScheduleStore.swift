import SQLKit

/// A schedule as stored (docs/api.md (Schedules)): either `intervalHours` or `cron` (with `timeZone`).
public struct ScheduleRecord: Sendable, Equatable, Codable {
    public var id: String
    public var userID: String
    public var name: String
    /// benchmark | eval
    public var kind: String
    /// The job request, JSON text.
    public var request: String
    public var intervalHours: Int?
    public var cron: String?
    public var timeZone: String
    public var enabled: Bool
    public var nextFireAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, kind, request, cron, enabled
        case userID = "user_id", intervalHours = "interval_hours", timeZone = "time_zone", nextFireAt = "next_fire_at"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(id: String = RecordID.make(), userID: String, name: String, kind: String, request: String, intervalHours: Int?,
                cron: String?, timeZone: String, enabled: Bool, nextFireAt: Int64?, createdAt: Int64 = Clock.milliseconds(),
                updatedAt: Int64 = Clock.milliseconds()) {
        self.id = id
        self.userID = userID
        self.name = name
        self.kind = kind
        self.request = request
        self.intervalHours = intervalHours
        self.cron = cron
        self.timeZone = timeZone
        self.enabled = enabled
        self.nextFireAt = nextFireAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One firing of a schedule: ok (a job was submitted), failed, or skipped because the
/// owner's job slot was busy. `runID` comes from the job once it has one.
public struct FiringRecord: Sendable, Equatable, Codable {
    public var id: String
    public var scheduleID: String
    public var firedAt: Int64
    public var outcome: String
    public var jobID: String?
    public var runID: String?
    public var detail: String?
    public var jobState: String?

    enum CodingKeys: String, CodingKey {
        case id, outcome, detail
        case scheduleID = "schedule_id", firedAt = "fired_at", jobID = "job_id", runID = "run_id", jobState = "job_state"
    }
}

/// Schedules and their firings. Due schedules are claimed in one transaction that moves
/// their next fire time on (with `FOR UPDATE SKIP LOCKED` on PostgreSQL), so each due
/// slot fires exactly once however many instances look.
public struct ScheduleStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    static let columns = ["id", "user_id", "name", "kind", "request", "interval_hours", "cron", "time_zone", "enabled",
                          "next_fire_at", "created_at", "updated_at"]

    public func create(_ s: ScheduleRecord) async throws {
        try await database.withSQL { db in
            try await db.insert(into: "schedules").columns(Self.columns)
                .values(SQLBind(s.id), SQLBind(s.userID), SQLBind(s.name), SQLBind(s.kind), SQLBind(s.request), SQLBind(s.intervalHours),
                        SQLBind(s.cron), SQLBind(s.timeZone), SQLBind(s.enabled), SQLBind(s.nextFireAt), SQLBind(s.createdAt),
                        SQLBind(s.updatedAt)).run()
        }
    }

    /// Replaces the editable fields of the user's schedule; false when there is none.
    public func update(_ s: ScheduleRecord) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("schedules").where("user_id", .equal, s.userID)
                .where("id", .equal, s.id).first() != nil else { return false }
            try await db.update("schedules").set("name", to: SQLBind(s.name)).set("kind", to: SQLBind(s.kind))
                .set("request", to: SQLBind(s.request)).set("interval_hours", to: SQLBind(s.intervalHours)).set("cron", to: SQLBind(s.cron))
                .set("time_zone", to: SQLBind(s.timeZone)).set("enabled", to: SQLBind(s.enabled)).set("next_fire_at", to: SQLBind(s.nextFireAt))
                .set("updated_at", to: SQLBind(Clock.milliseconds()))
                .where("user_id", .equal, s.userID).where("id", .equal, s.id).run()
            return true
        }
    }

    public func find(userID: String, id: String) async throws -> ScheduleRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("schedules").where("user_id", .equal, userID)
                .where("id", .equal, id).first(decoding: ScheduleRecord.self)
        }
    }

    public func list(userID: String) async throws -> [ScheduleRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("schedules").where("user_id", .equal, userID)
                .orderBy("created_at").all(decoding: ScheduleRecord.self)
        }
    }

    public func delete(userID: String, id: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("schedules").where("user_id", .equal, userID)
                .where("id", .equal, id).first() != nil else { return false }
            try await db.delete(from: "schedules").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }

    /// The earliest next fire time of an enabled schedule of an enabled user.
    public func earliestNextFire() async throws -> Int64? {
        let no = database.dialect == .postgres ? "FALSE" : "0", yes = database.dialect == .postgres ? "TRUE" : "1"
        return try await database.withSQL { db in
            try await db.raw("""
                SELECT MIN(s.next_fire_at) AS t FROM schedules s JOIN users u ON u.id = s.user_id
                WHERE s.enabled = \(unsafeRaw: yes) AND u.disabled = \(unsafeRaw: no) AND s.next_fire_at IS NOT NULL
                """).first(decodingColumn: "t", as: Int64?.self) ?? nil
        }
    }

    /// Claims every due schedule: moves its next fire time to `next(schedule)` (computed
    /// from now, so downtime gives one catch-up firing, not one per missed slot) and
    /// returns it. Disabled users' schedules are not claimed.
    public func claimDue(now: Int64, next: @escaping @Sendable (ScheduleRecord) -> Int64?) async throws -> [ScheduleRecord] {
        let no = database.dialect == .postgres ? "FALSE" : "0", yes = database.dialect == .postgres ? "TRUE" : "1"
        let lock = database.dialect == .postgres ? " FOR UPDATE OF s SKIP LOCKED" : ""
        return try await database.transaction { db in
            let due = try await db.raw("""
                SELECT s.id, s.user_id, s.name, s.kind, s.request, s.interval_hours, s.cron, s.time_zone, s.enabled, s.next_fire_at,
                s.created_at, s.updated_at FROM schedules s JOIN users u ON u.id = s.user_id
                WHERE s.enabled = \(unsafeRaw: yes) AND u.disabled = \(unsafeRaw: no) AND s.next_fire_at IS NOT NULL
                AND s.next_fire_at <= \(bind: now) ORDER BY s.next_fire_at\(unsafeRaw: lock)
                """).all(decoding: ScheduleRecord.self)
            for schedule in due {
                try await db.update("schedules").set("next_fire_at", to: SQLBind(next(schedule))).where("id", .equal, schedule.id).run()
            }
            return due
        }
    }

    public func recordFiring(scheduleID: String, userID: String, at: Int64, outcome: String, jobID: String?,
                             detail: String?) async throws -> String {
        let id = RecordID.make()
        try await database.withSQL { db in
            try await db.insert(into: "schedule_firings").columns("id", "schedule_id", "user_id", "fired_at", "outcome", "job_id", "detail")
                .values(SQLBind(id), SQLBind(scheduleID), SQLBind(userID), SQLBind(at), SQLBind(outcome), SQLBind(jobID), SQLBind(detail)).run()
        }
        return id
    }

    /// Newest first, with the run each job produced.
    public func firings(userID: String, scheduleID: String, limit: Int = 200) async throws -> [FiringRecord] {
        try await database.withSQL { db in
            try await db.raw("""
                SELECT f.id, f.schedule_id, f.fired_at, f.outcome, f.job_id, f.detail, j.result_id AS run_id, j.state AS job_state
                FROM schedule_firings f LEFT JOIN jobs j ON j.id = f.job_id
                WHERE f.user_id = \(bind: userID) AND f.schedule_id = \(bind: scheduleID)
                ORDER BY f.fired_at DESC LIMIT \(literal: limit)
                """).all(decoding: FiringRecord.self)
        }
    }
}
