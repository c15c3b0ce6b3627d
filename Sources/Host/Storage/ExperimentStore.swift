import SQLKit

/// An experiment (docs/tuning.md, "Experiments"): a suite, its models and a baseline
/// configuration; the evals and tuning runs linked to it make its timeline.
public struct ExperimentRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var suiteID: String
    /// JSON array of {provider, model}.
    public var targets: String
    /// JSON object {params, system_prompt?}.
    public var baseline: String
    /// The eval whose per-case scores deltas are measured against (nil: the first eval on
    /// the timeline run with the baseline configuration).
    public var baselineEvalID: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, targets, baseline
        case suiteID = "suite_id", baselineEvalID = "baseline_eval_id", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// Experiments, and the eval runs linked to them; every query names the owner.
public struct ExperimentStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    static let columns = ["id", "name", "suite_id", "targets", "baseline", "baseline_eval_id", "created_at", "updated_at"]

    public func create(userID: String, name: String, suiteID: String, targets: String, baseline: String) async throws -> ExperimentRecord {
        let now = Clock.milliseconds()
        let record = ExperimentRecord(id: RecordID.make(), name: name, suiteID: suiteID, targets: targets, baseline: baseline,
                                      baselineEvalID: nil, createdAt: now, updatedAt: now)
        try await database.withSQL { db in
            try await db.insert(into: "experiments").columns(["user_id"] + Self.columns)
                .values(SQLBind(userID), SQLBind(record.id), SQLBind(name), SQLBind(suiteID), SQLBind(targets), SQLBind(baseline),
                        SQLBind(String?.none), SQLBind(now), SQLBind(now)).run()
        }
        return record
    }

    public func find(userID: String, id: String) async throws -> ExperimentRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("experiments").where("user_id", .equal, userID).where("id", .equal, id)
                .first(decoding: ExperimentRecord.self)
        }
    }

    public func list(userID: String) async throws -> [ExperimentRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("experiments").where("user_id", .equal, userID)
                .orderBy("updated_at", .descending).all(decoding: ExperimentRecord.self)
        }
    }

    /// Renames, or pins a new baseline (its configuration and the eval measured against).
    @discardableResult
    public func update(userID: String, id: String, name: String? = nil, baseline: String? = nil,
                       baselineEvalID: String?? = nil) async throws -> Bool {
        try await database.withSQL { db in
            guard try await db.select().column("id").from("experiments").where("user_id", .equal, userID).where("id", .equal, id)
                .first() != nil else { return false }
            var update = db.update("experiments").set("updated_at", to: SQLBind(Clock.milliseconds()))
            if let name { update = update.set("name", to: SQLBind(name)) }
            if let baseline { update = update.set("baseline", to: SQLBind(baseline)) }
            if let baselineEvalID { update = update.set("baseline_eval_id", to: SQLBind(baselineEvalID)) }
            try await update.where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }

    public func delete(userID: String, id: String) async throws -> Bool {
        try await database.withSQL { db in
            guard try await db.select().column("id").from("experiments").where("user_id", .equal, userID).where("id", .equal, id)
                .first() != nil else { return false }
            try await db.delete(from: "experiments").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }

    /// The eval runs linked to the experiment, oldest first.
    public func evalRuns(userID: String, experimentID: String) async throws -> [EvalRunRecord] {
        try await database.withSQL { db in
            try await db.select().columns(EvalStore.runColumns).from("tool_eval_runs").where("user_id", .equal, userID)
                .where("experiment_id", .equal, experimentID).orderBy("started_at").all(decoding: EvalRunRecord.self)
        }
    }
}
