import HostMeasurement
import SQLKit
import StudioJSON

/// Each request of a load test or a benchmark, kept for the per-request export
/// (docs/load.md, "Per-request export"). Rows belong to a run and its owner; they go with
/// the run when it is deleted.
extension RunStore {
    /// Appends requests to a run, numbered after those already stored, in batches that
    /// stay under every driver's bind limit.
    public func addRequestTimings(userID: String, runID: String, _ timings: [RequestTiming]) async throws {
        guard !timings.isEmpty else { return }
        try await database.withSQL { db in
            let next = try await db.raw("SELECT COALESCE(MAX(seq), -1) + 1 AS n FROM request_timings WHERE run_id = \(bind: runID)")
                .first(decodingColumn: "n", as: Int.self) ?? 0
            for (batch, start) in zip(stride(from: 0, to: timings.count, by: 500).map { timings[$0..<min($0 + 500, timings.count)] },
                                      stride(from: 0, to: timings.count, by: 500)) {
                var insert = db.insert(into: "request_timings").columns(Self.timingColumns)
                for (offset, t) in batch.enumerated() {
                    let reads = JSONValue.array(t.tokenReadsMs.map(JSONValue.double)).jsonString
                    let itl = JSONValue.array(t.itlMs.map(JSONValue.double)).jsonString
                    insert = insert.values(SQLBind(runID), SQLBind(userID), SQLBind(next + start + offset), SQLBind(t.level), SQLBind(t.target),
                                           SQLBind(t.index), SQLBind(t.intendedMs), SQLBind(t.sentMs), SQLBind(t.sentAtUnixMicroseconds),
                                           SQLBind(t.ttftMs), SQLBind(t.e2eMs), SQLBind(t.outputTokens), SQLBind(t.errorClass),
                                           SQLBind(t.requestID), SQLBind(reads), SQLBind(itl))
                }
                try await insert.run()
            }
        }
    }

    /// A run's requests in the order they were stored; a row whose reads no longer decode
    /// is an error naming it.
    public func requestTimings(userID: String, runID: String) async throws -> [RequestTiming] {
        let rows = try await database.withSQL { db in
            try await db.select().columns(Self.timingColumns).from("request_timings").where("user_id", .equal, userID)
                .where("run_id", .equal, runID).orderBy("seq").all(decoding: Row.self)
        }
        return try rows.map { row throws(StoredValueError) in
            let reads = try StoredJSON.value(row.token_reads, row: "request \(row.seq) of run \(runID)", column: "token_reads")
            let itl = try StoredJSON.value(row.itl, row: "request \(row.seq) of run \(runID)", column: "itl")
            return RequestTiming(level: row.level, target: row.target, index: row.request_index, intendedMs: row.intended_ms,
                                 sentMs: row.sent_ms, sentAtUnixMicroseconds: row.sent_at_unix_us, ttftMs: row.ttft_ms, e2eMs: row.e2e_ms,
                                 outputTokens: row.output_tokens, errorClass: row.error_class, requestID: row.request_id,
                                 tokenReadsMs: (reads.arrayValue ?? []).compactMap(\.doubleValue),
                                 itlMs: (itl.arrayValue ?? []).compactMap(\.doubleValue))
        }
    }

    static let timingColumns = ["run_id", "user_id", "seq", "level", "target", "request_index", "intended_ms", "sent_ms", "sent_at_unix_us",
                                "ttft_ms", "e2e_ms", "output_tokens", "error_class", "request_id", "token_reads", "itl"]

    private struct Row: Decodable {
        let seq: Int
        let level: String
        let target: String
        let request_index: Int
        let intended_ms: Double?
        let sent_ms: Double
        let sent_at_unix_us: Int64
        let ttft_ms: Double?
        let e2e_ms: Double
        let output_tokens: Int?
        let error_class: String?
        let request_id: String?
        let token_reads: String
        let itl: String
    }
}
