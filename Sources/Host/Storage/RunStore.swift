import SQLKit

/// A benchmark run as stored: one job's worth of results (or a scheduled or CLI run).
public struct BenchmarkRunRecord: Sendable, Equatable, Codable {
    public var id: String
    public var userID: String
    public var jobID: String?
    public var kind: String
    /// The request, JSON text.
    public var request: String
    /// running | done | cancelled | failed | interrupted
    public var status: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var scheduleID: String?
    /// Aggregates at the end, JSON text.
    public var summary: String?

    enum CodingKeys: String, CodingKey {
        case id, kind, request, status, summary
        case userID = "user_id", jobID = "job_id", startedAt = "started_at", finishedAt = "finished_at", scheduleID = "schedule_id"
    }
}

/// One measured run (docs/measurement.md per-run metrics), written as soon as it finishes.
public struct BenchmarkResultRecord: Sendable, Equatable, Codable {
    public var id: String
    public var runID: String
    public var target: String
    public var provider: String
    public var model: String
    public var contextTier: Int
    public var runIndex: Int
    public var ok: Bool
    public var ttftMs: Double?
    public var totalS: Double?
    public var queueMs: Double?
    public var outputTokens: Int?
    /// The part of outputTokens spent reasoning (nil: the provider did not say).
    public var reasoningTokens: Int?
    public var inputTokens: Int?
    public var tokensEstimated: Bool
    public var tokensPerSecond: Double?
    public var outputSpeed: Double?
    public var itlMs: Double?
    public var inputTPS: Double?
    public var cost: Double?
    public var promptTokens: Int?
    public var errorClass: String?
    public var error: String?
    /// Per-read arrival offsets and event counts, JSON text.
    public var reads: String?
    public var createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, target, provider, model, ok, cost, error, reads
        case runID = "run_id", contextTier = "context_tier", runIndex = "run_index", ttftMs = "ttft_ms", totalS = "total_s"
        case queueMs = "queue_ms", outputTokens = "output_tokens", reasoningTokens = "reasoning_tokens", inputTokens = "input_tokens", tokensEstimated = "tokens_estimated"
        case tokensPerSecond = "tokens_per_second", outputSpeed = "output_speed", itlMs = "itl_ms", inputTPS = "input_tps"
        case promptTokens = "prompt_tokens", errorClass = "error_class", createdAt = "created_at"
    }

    public init(id: String = RecordID.make(), runID: String, target: String, provider: String, model: String, contextTier: Int,
                runIndex: Int, ok: Bool, ttftMs: Double?, totalS: Double?, queueMs: Double?, outputTokens: Int?,
                reasoningTokens: Int? = nil, inputTokens: Int?,
                tokensEstimated: Bool, tokensPerSecond: Double?, outputSpeed: Double?, itlMs: Double?, inputTPS: Double?,
                cost: Double?, promptTokens: Int?, errorClass: String?, error: String?, reads: String?,
                createdAt: Int64 = Clock.milliseconds()) {
        self.id = id
        self.runID = runID
        self.target = target
        self.provider = provider
        self.model = model
        self.contextTier = contextTier
        self.runIndex = runIndex
        self.ok = ok
        self.ttftMs = ttftMs
        self.totalS = totalS
        self.queueMs = queueMs
        self.outputTokens = outputTokens
        self.reasoningTokens = reasoningTokens
        self.inputTokens = inputTokens
        self.tokensEstimated = tokensEstimated
        self.tokensPerSecond = tokensPerSecond
        self.outputSpeed = outputSpeed
        self.itlMs = itlMs
        self.inputTPS = inputTPS
        self.cost = cost
        self.promptTokens = promptTokens
        self.errorClass = errorClass
        self.error = error
        self.reads = reads
        self.createdAt = createdAt
    }
}

/// Benchmark history: runs and their results, always scoped to the owner.
public struct RunStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    static let runColumns = ["id", "user_id", "job_id", "kind", "request", "status", "started_at", "finished_at", "schedule_id", "summary"]
    static let resultColumns = ["id", "run_id", "target", "provider", "model", "context_tier", "run_index", "ok", "ttft_ms", "total_s",
                                "queue_ms", "output_tokens", "input_tokens", "tokens_estimated", "tokens_per_second", "output_speed",
                                "itl_ms", "input_tps", "cost", "prompt_tokens", "error_class", "error", "reads", "created_at",
                                "reasoning_tokens"]

    public func createRun(userID: String, jobID: String?, kind: String = "benchmark", request: String,
                          scheduleID: String? = nil, now: Int64 = Clock.milliseconds()) async throws -> BenchmarkRunRecord {
        let run = BenchmarkRunRecord(id: RecordID.make(), userID: userID, jobID: jobID, kind: kind, request: request,
                                     status: "running", startedAt: now, finishedAt: nil, scheduleID: scheduleID, summary: nil)
        try await database.withSQL { db in
            try await db.insert(into: "benchmark_runs").columns(Self.runColumns)
                .values(SQLBind(run.id), SQLBind(userID), SQLBind(jobID), SQLBind(kind), SQLBind(request), SQLBind(run.status),
                        SQLBind(now), SQLBind(Int64?.none), SQLBind(scheduleID), SQLBind(String?.none)).run()
        }
        return run
    }

    public func addResult(userID: String, _ r: BenchmarkResultRecord) async throws {
        try await database.withSQL { db in
            try await db.insert(into: "benchmark_results").columns(["user_id"] + Self.resultColumns)
                .values(SQLBind(userID), SQLBind(r.id), SQLBind(r.runID), SQLBind(r.target), SQLBind(r.provider), SQLBind(r.model),
                        SQLBind(r.contextTier), SQLBind(r.runIndex), SQLBind(r.ok), SQLBind(r.ttftMs), SQLBind(r.totalS), SQLBind(r.queueMs),
                        SQLBind(r.outputTokens), SQLBind(r.inputTokens), SQLBind(r.tokensEstimated), SQLBind(r.tokensPerSecond),
                        SQLBind(r.outputSpeed), SQLBind(r.itlMs), SQLBind(r.inputTPS), SQLBind(r.cost), SQLBind(r.promptTokens),
                        SQLBind(r.errorClass), SQLBind(r.error), SQLBind(r.reads), SQLBind(r.createdAt), SQLBind(r.reasoningTokens)).run()
        }
    }

    public func finishRun(id: String, status: String, summary: String?, now: Int64 = Clock.milliseconds()) async throws {
        try await database.withSQL { db in
            try await db.update("benchmark_runs").set("status", to: SQLBind(status)).set("summary", to: SQLBind(summary))
                .set("finished_at", to: SQLBind(now)).where("id", .equal, id).run()
        }
    }

    public struct Filter: Sendable {
        public var kind: String?
        public var since: Int64?
        public var until: Int64?
        public var model: String?
        public var provider: String?
        public var tier: Int?
        public var limit = 200
        public init() {}
    }

    /// The user's runs, newest first. Model/provider/tier filters keep the runs that
    /// have at least one result matching.
    public func runs(userID: String, _ filter: Filter = Filter()) async throws -> [BenchmarkRunRecord] {
        try await database.withSQL { db in
            var query = db.select().columns(Self.runColumns.map { SQLColumn($0, table: "benchmark_runs") }).from("benchmark_runs")
                .where(SQLColumn("user_id", table: "benchmark_runs"), .equal, SQLBind(userID))
            if let kind = filter.kind { query = query.where("kind", .equal, kind) }
            if let since = filter.since { query = query.where("started_at", .greaterThanOrEqual, since) }
            if let until = filter.until { query = query.where("started_at", .lessThan, until) }
            if filter.model != nil || filter.provider != nil || filter.tier != nil {
                var sub = SQLQueryString("SELECT 1 FROM benchmark_results r WHERE r.run_id = benchmark_runs.id")
                if let model = filter.model { sub = "\(sub) AND r.model = \(bind: model)" }
                if let provider = filter.provider { sub = "\(sub) AND r.provider = \(bind: provider)" }
                if let tier = filter.tier { sub = "\(sub) AND r.context_tier = \(bind: tier)" }
                query = query.where(SQLQueryString("EXISTS (\(sub))"))
            }
            return try await query.orderBy("started_at", .descending).limit(filter.limit).all(decoding: BenchmarkRunRecord.self)
        }
    }

    public func run(userID: String, id: String) async throws -> BenchmarkRunRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.runColumns).from("benchmark_runs").where("user_id", .equal, userID)
                .where("id", .equal, id).first(decoding: BenchmarkRunRecord.self)
        }
    }

    public func results(userID: String, runID: String) async throws -> [BenchmarkResultRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.resultColumns).from("benchmark_results").where("user_id", .equal, userID)
                .where("run_id", .equal, runID).orderBy("created_at").orderBy("id").all(decoding: BenchmarkResultRecord.self)
        }
    }

    /// Results across the user's runs (analytics), oldest first.
    public func results(userID: String, since: Int64?, model: String? = nil, provider: String? = nil) async throws -> [BenchmarkResultRecord] {
        try await database.withSQL { db in
            var query = db.select().columns(Self.resultColumns).from("benchmark_results").where("user_id", .equal, userID)
            if let since { query = query.where("created_at", .greaterThanOrEqual, since) }
            if let model { query = query.where("model", .equal, model) }
            if let provider { query = query.where("provider", .equal, provider) }
            return try await query.orderBy("created_at").all(decoding: BenchmarkResultRecord.self)
        }
    }

    public func deleteRun(userID: String, id: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("benchmark_runs").where("user_id", .equal, userID)
                .where("id", .equal, id).first() != nil else { return false }
            try await db.delete(from: "benchmark_runs").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }
}
