import SQLKit

/// A judge run over an eval (`post_eval`, `inline`) or over two evals (`compare`): its
/// settings, state and final report JSON (per-model report cards, or the pairwise
/// summary). Earlier runs are kept when an eval is judged again with another prompt.
public struct JudgeReportRecord: Sendable, Equatable, Codable {
    public var id: String
    public var evalRunID: String?
    public var compareRunID: String?
    public var mode: String
    public var judgeModel: String
    public var promptVersion: String
    /// running, done, failed, cancelled.
    public var status: String
    public var report: String?
    public var jobID: String?
    public var createdAt: Int64
    public var finishedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, mode, status, report
        case evalRunID = "eval_run_id", compareRunID = "compare_run_id", judgeModel = "judge_model",
             promptVersion = "prompt_version", jobID = "job_id", createdAt = "created_at", finishedAt = "finished_at"
    }
}

/// One judgement: a case result's verdict (or judge error), or a compared case's pair of
/// picks and outcome. `verdict` is that JSON.
public struct JudgeVerdictRecord: Sendable, Equatable, Codable {
    public var id: String
    public var caseResultID: String?
    public var caseKey: String?
    public var target: String?
    public var verdict: String
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, target, verdict
        case caseResultID = "case_result_id", caseKey = "case_key", createdAt = "created_at"
    }
}

/// Judge reports and verdicts, every query scoped to the owner.
public struct JudgeStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    static let reportColumns = ["id", "eval_run_id", "compare_run_id", "mode", "judge_model", "prompt_version", "status", "report",
                                "job_id", "created_at", "finished_at"]
    static let verdictColumns = ["id", "case_result_id", "case_key", "target", "verdict", "created_at"]

    public func createReport(userID: String, evalRunID: String, compareRunID: String? = nil, mode: String, judgeModel: String,
                             promptVersion: String, jobID: String?) async throws -> JudgeReportRecord {
        let record = JudgeReportRecord(id: RecordID.make(), evalRunID: evalRunID, compareRunID: compareRunID, mode: mode,
                                       judgeModel: judgeModel, promptVersion: promptVersion, status: "running", report: nil,
                                       jobID: jobID, createdAt: Clock.milliseconds(), finishedAt: nil)
        try await database.withSQL { db in
            try await db.insert(into: "judge_reports").columns(["user_id"] + Self.reportColumns)
                .values(SQLBind(userID), SQLBind(record.id), SQLBind(evalRunID), SQLBind(compareRunID), SQLBind(mode), SQLBind(judgeModel),
                        SQLBind(promptVersion), SQLBind(record.status), SQLBind(String?.none), SQLBind(jobID), SQLBind(record.createdAt),
                        SQLBind(Int64?.none)).run()
        }
        return record
    }

    public func addVerdict(userID: String, reportID: String, caseResultID: String?, caseKey: String, target: String,
                           verdict: String) async throws {
        try await database.withSQL { db in
            try await db.insert(into: "judge_verdicts").columns(["report_id", "user_id"] + Self.verdictColumns)
                .values(SQLBind(reportID), SQLBind(userID), SQLBind(RecordID.make()), SQLBind(caseResultID), SQLBind(caseKey),
                        SQLBind(target), SQLBind(verdict), SQLBind(Clock.milliseconds())).run()
        }
    }

    public func finishReport(userID: String, id: String, status: String, report: String?) async throws {
        try await database.withSQL { db in
            try await db.update("judge_reports").set("status", to: SQLBind(status)).set("report", to: SQLBind(report))
                .set("finished_at", to: SQLBind(Clock.milliseconds()))
                .where("user_id", .equal, userID).where("id", .equal, id).run()
        }
    }

    /// The user's reports, newest first; only those about `evalRunID` (as either side
    /// of a comparison) when given.
    public func reports(userID: String, evalRunID: String? = nil) async throws -> [JudgeReportRecord] {
        try await database.withSQL { db in
            var query = db.select().columns(Self.reportColumns).from("judge_reports").where("user_id", .equal, userID)
            if let evalRunID {
                query = query.where { $0.where("eval_run_id", .equal, evalRunID).orWhere("compare_run_id", .equal, evalRunID) }
            }
            return try await query.orderBy("created_at", .descending).orderBy("id", .descending).all(decoding: JudgeReportRecord.self)
        }
    }

    public func report(userID: String, id: String) async throws -> JudgeReportRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.reportColumns).from("judge_reports").where("user_id", .equal, userID)
                .where("id", .equal, id).first(decoding: JudgeReportRecord.self)
        }
    }

    public func verdicts(userID: String, reportID: String) async throws -> [JudgeVerdictRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.verdictColumns).from("judge_verdicts").where("user_id", .equal, userID)
                .where("report_id", .equal, reportID).orderBy("created_at").orderBy("id").all(decoding: JudgeVerdictRecord.self)
        }
    }

    /// The verdicts of the newest finished grading (post-eval or inline) of an eval, by
    /// case result id: what the override policy reads.
    public func latestVerdicts(userID: String, evalRunID: String) async throws -> (report: JudgeReportRecord, verdicts: [String: JudgeVerdictRecord])? {
        guard let latest = try await reports(userID: userID, evalRunID: evalRunID)
            .first(where: { $0.evalRunID == evalRunID && $0.mode != "compare" && $0.status == "done" }) else { return nil }
        var byResult: [String: JudgeVerdictRecord] = [:]
        for verdict in try await verdicts(userID: userID, reportID: latest.id) {
            if let id = verdict.caseResultID { byResult[id] = verdict }
        }
        return (latest, byResult)
    }

    public func delete(userID: String, id: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("judge_reports").where("user_id", .equal, userID)
                .where("id", .equal, id).first() != nil else { return false }
            try await db.delete(from: "judge_verdicts").where("user_id", .equal, userID).where("report_id", .equal, id).run()
            try await db.delete(from: "judge_reports").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }
}
