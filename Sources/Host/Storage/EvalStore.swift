import SQLKit

/// An eval run and its per-case results.
public struct EvalRunRecord: Sendable, Equatable, Codable {
    public var id: String
    public var suiteID: String?
    public var jobID: String?
    public var request: String
    public var status: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var summary: String?

    enum CodingKeys: String, CodingKey {
        case id, request, status, summary
        case suiteID = "suite_id", jobID = "job_id", startedAt = "started_at", finishedAt = "finished_at"
    }
}

public struct CaseResultRecord: Sendable, Equatable, Codable {
    public var id: String
    public var caseKey: String
    public var target: String
    public var repeatIndex: Int
    /// The normalized output JSON.
    public var output: String
    public var score: Double?
    public var passed: Bool?
    /// The scorer's whole result JSON.
    public var subscores: String?
    public var errorType: String?
    public var latencyMs: Double?
    /// The case's category, and whether it expected any call (false: an irrelevance case).
    public var category: String?
    public var expectsCall: Bool?
    /// What the case's calls cost in USD by the model's prices (nil: a price or a token
    /// count unknown).
    public var costUSD: Double?

    enum CodingKeys: String, CodingKey {
        case id, target, output, score, passed, subscores, category
        case caseKey = "case_key", repeatIndex = "repeat_index", errorType = "error_type", latencyMs = "latency_ms"
        case expectsCall = "expects_call", costUSD = "cost_usd"
    }

    public init(id: String = RecordID.make(), caseKey: String, target: String, repeatIndex: Int, output: String, score: Double?,
                passed: Bool?, subscores: String?, errorType: String?, latencyMs: Double?, category: String? = nil, expectsCall: Bool? = nil,
                costUSD: Double? = nil) {
        self.id = id
        self.costUSD = costUSD
        self.caseKey = caseKey
        self.target = target
        self.repeatIndex = repeatIndex
        self.output = output
        self.score = score
        self.passed = passed
        self.subscores = subscores
        self.errorType = errorType
        self.latencyMs = latencyMs
        self.category = category
        self.expectsCall = expectsCall
    }
}

public struct EvalStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    static let runColumns = ["id", "suite_id", "job_id", "request", "status", "started_at", "finished_at", "summary"]
    static let resultColumns = ["id", "case_key", "target", "repeat_index", "output", "score", "passed", "subscores", "error_type", "latency_ms",
                                "category", "expects_call", "cost_usd"]

    public func createRun(userID: String, suiteID: String, jobID: String?, request: String, scheduleID: String? = nil,
                          experimentID: String? = nil) async throws -> EvalRunRecord {
        let run = EvalRunRecord(id: RecordID.make(), suiteID: suiteID, jobID: jobID, request: request, status: "running",
                                startedAt: Clock.milliseconds(), finishedAt: nil, summary: nil)
        try await database.withSQL { db in
            try await db.insert(into: "tool_eval_runs").columns(["user_id", "schedule_id", "experiment_id"] + Self.runColumns)
                .values(SQLBind(userID), SQLBind(scheduleID), SQLBind(experimentID), SQLBind(run.id), SQLBind(suiteID), SQLBind(jobID), SQLBind(request),
                        SQLBind(run.status), SQLBind(run.startedAt), SQLBind(Int64?.none), SQLBind(String?.none)).run()
        }
        return run
    }

    public func addResult(userID: String, runID: String, _ r: CaseResultRecord) async throws {
        try await database.withSQL { db in
            try await db.insert(into: "case_results").columns(["eval_run_id", "user_id", "created_at"] + Self.resultColumns)
                .values(SQLBind(runID), SQLBind(userID), SQLBind(Clock.milliseconds()), SQLBind(r.id), SQLBind(r.caseKey), SQLBind(r.target),
                        SQLBind(r.repeatIndex), SQLBind(r.output), SQLBind(r.score), SQLBind(r.passed), SQLBind(r.subscores),
                        SQLBind(r.errorType), SQLBind(r.latencyMs), SQLBind(r.category), SQLBind(r.expectsCall), SQLBind(r.costUSD)).run()
        }
    }

    public func finishRun(id: String, status: String, summary: String?) async throws {
        try await database.withSQL { db in
            try await db.update("tool_eval_runs").set("status", to: SQLBind(status)).set("summary", to: SQLBind(summary))
                .set("finished_at", to: SQLBind(Clock.milliseconds())).where("id", .equal, id).run()
        }
    }

    public func runs(userID: String) async throws -> [EvalRunRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.runColumns).from("tool_eval_runs").where("user_id", .equal, userID)
                .orderBy("started_at", .descending).all(decoding: EvalRunRecord.self)
        }
    }

    public func run(userID: String, id: String) async throws -> EvalRunRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.runColumns).from("tool_eval_runs").where("user_id", .equal, userID)
                .where("id", .equal, id).first(decoding: EvalRunRecord.self)
        }
    }

    public func results(userID: String, runID: String) async throws -> [CaseResultRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.resultColumns).from("case_results").where("user_id", .equal, userID)
                .where("eval_run_id", .equal, runID).orderBy("created_at").orderBy("id").all(decoding: CaseResultRecord.self)
        }
    }
}
