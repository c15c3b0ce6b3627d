import SQLKit

/// A tuning run (docs/tuning.md): its request, its state, and at the end its summary (the
/// best trial, the confirmation against the baseline, why it stopped).
public struct TuningRunRecord: Sendable, Equatable, Codable {
    public var id: String
    public var jobID: String?
    public var suiteID: String?
    public var experimentID: String?
    /// `parameters` or `prompts`.
    public var kind: String
    public var request: String
    public var status: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var summary: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, request, status, summary
        case jobID = "job_id", suiteID = "suite_id", experimentID = "experiment_id", startedAt = "started_at", finishedAt = "finished_at"
    }
}

/// One trial of a tuning run: a configuration and how it scored on the suite.
public struct TuningTrialRecord: Sendable, Equatable, Codable {
    /// 0, 1, 2, … in the order the trials were proposed; a resumed run continues the count.
    public var position: Int
    /// The configuration the strategy proposed (JSON object) …
    public var config: String
    /// … and the parameters the provider's rules made of it (JSON object), which decide
    /// whether two trials are the same.
    public var resolved: String
    /// Repeats per case it was run with (successive halving gives promising trials more).
    public var repeats: Int
    public var score: Double
    public var costUSD: Double?
    public var latencyMs: Double?
    public var calls: Int
    public var errors: Int
    /// Mean score per case ({case id: score}), for paired comparisons.
    public var caseScores: String
    /// Why the trial is special, if it is ("same parameters as trial 3", "promoted").
    public var note: String?
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case position, config, resolved, repeats, score, calls, errors, note
        case costUSD = "cost_usd", latencyMs = "latency_ms", caseScores = "case_scores", createdAt = "created_at"
    }

    public init(position: Int, config: String, resolved: String, repeats: Int, score: Double, costUSD: Double?, latencyMs: Double?,
                calls: Int, errors: Int, caseScores: String, note: String?, createdAt: Int64 = Clock.milliseconds()) {
        self.position = position
        self.config = config
        self.resolved = resolved
        self.repeats = repeats
        self.score = score
        self.costUSD = costUSD
        self.latencyMs = latencyMs
        self.calls = calls
        self.errors = errors
        self.caseScores = caseScores
        self.note = note
        self.createdAt = createdAt
    }
}

/// Tuning runs and their trials; every query names the owner.
public struct TuningStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    static let runColumns = ["id", "job_id", "suite_id", "experiment_id", "kind", "request", "status", "started_at", "finished_at", "summary"]
    static let trialColumns = ["position", "config", "resolved", "repeats", "score", "cost_usd", "latency_ms", "calls", "errors",
                               "case_scores", "note", "created_at"]

    public func createRun(userID: String, jobID: String?, suiteID: String, experimentID: String?, kind: String,
                          request: String) async throws -> TuningRunRecord {
        let run = TuningRunRecord(id: RecordID.make(), jobID: jobID, suiteID: suiteID, experimentID: experimentID, kind: kind,
                                  request: request, status: "running", startedAt: Clock.milliseconds(), finishedAt: nil, summary: nil)
        try await database.withSQL { db in
            try await db.insert(into: "tuning_runs").columns(["user_id"] + Self.runColumns)
                .values(SQLBind(userID), SQLBind(run.id), SQLBind(run.jobID), SQLBind(run.suiteID), SQLBind(run.experimentID),
                        SQLBind(run.kind), SQLBind(run.request), SQLBind(run.status), SQLBind(run.startedAt),
                        SQLBind(Int64?.none), SQLBind(String?.none)).run()
        }
        return run
    }

    /// A resumed run: running again, under its new job.
    public func reopen(userID: String, id: String, jobID: String) async throws {
        try await database.withSQL { db in
            try await db.update("tuning_runs").set("status", to: SQLBind("running")).set("job_id", to: SQLBind(jobID))
                .set("finished_at", to: SQLBind(Int64?.none)).where("user_id", .equal, userID).where("id", .equal, id).run()
        }
    }

    public func addTrial(userID: String, runID: String, _ t: TuningTrialRecord) async throws {
        try await database.withSQL { db in
            try await db.insert(into: "tuning_trials").columns(["tuning_run_id", "user_id"] + Self.trialColumns)
                .values(SQLBind(runID), SQLBind(userID), SQLBind(t.position), SQLBind(t.config), SQLBind(t.resolved), SQLBind(t.repeats),
                        SQLBind(t.score), SQLBind(t.costUSD), SQLBind(t.latencyMs), SQLBind(t.calls), SQLBind(t.errors),
                        SQLBind(t.caseScores), SQLBind(t.note), SQLBind(t.createdAt)).run()
        }
    }

    public func finishRun(userID: String, id: String, status: String, summary: String?) async throws {
        try await database.withSQL { db in
            try await db.update("tuning_runs").set("status", to: SQLBind(status)).set("summary", to: SQLBind(summary))
                .set("finished_at", to: SQLBind(Clock.milliseconds())).where("user_id", .equal, userID).where("id", .equal, id).run()
        }
    }

    public func runs(userID: String, experimentID: String? = nil) async throws -> [TuningRunRecord] {
        try await database.withSQL { db in
            var query = db.select().columns(Self.runColumns).from("tuning_runs").where("user_id", .equal, userID)
            if let experimentID { query = query.where("experiment_id", .equal, experimentID) }
            return try await query.orderBy("started_at", .descending).all(decoding: TuningRunRecord.self)
        }
    }

    public func run(userID: String, id: String) async throws -> TuningRunRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.runColumns).from("tuning_runs").where("user_id", .equal, userID)
                .where("id", .equal, id).first(decoding: TuningRunRecord.self)
        }
    }

    public func trials(userID: String, runID: String) async throws -> [TuningTrialRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.trialColumns).from("tuning_trials").where("user_id", .equal, userID)
                .where("tuning_run_id", .equal, runID).orderBy("position").all(decoding: TuningTrialRecord.self)
        }
    }

    public func delete(userID: String, id: String) async throws -> Bool {
        try await database.withSQL { db in
            let found = try await db.select().column("id").from("tuning_runs").where("user_id", .equal, userID)
                .where("id", .equal, id).first() != nil
            if found { try await db.delete(from: "tuning_runs").where("user_id", .equal, userID).where("id", .equal, id).run() }
            return found
        }
    }
}
