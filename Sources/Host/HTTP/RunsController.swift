import Foundation
import HostBenchmark
import HostAuth
import HostJobs
import HostMeasurement
import HostStorage
import Hummingbird
import NIOCore
import StudioJSON

/// History, analytics and exports (docs/measurement.md, docs/api.md). Every figure shown is computed by
/// the one statistics module (TierAggregate) from the stored per-run rows, so the history,
/// the leaderboard and the exports always agree with the live results.
struct RunsController {
    let runs: RunStore
    let audit: AuditLog

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/runs", "Your benchmark runs, newest first (JSON, or CSV with format=csv)",
                    query: ["kind", "since", "until", "model", "provider", "tier", "format"]) { request, context, _ in
            let query = request.uri.queryParameters
            var filter = RunStore.Filter()
            filter.kind = query["kind"].map(String.init)
            filter.since = try Self.time(query["since"].map(String.init), "since")
            filter.until = try Self.time(query["until"].map(String.init), "until")
            filter.model = query["model"].map(String.init)
            filter.provider = query["provider"].map(String.init)
            if let tier = query["tier"].map(String.init) {
                guard let value = Int(tier), value >= 0 else { throw APIError.badInput("tier", "must be a whole number ≥ 0") }
                filter.tier = value
            }
            let format = try Self.format(query["format"].map(String.init))
            let runs = try await self.runs.runs(userID: context.identity.userID, filter)
            if format == "csv" {
                var rows: [[JSONValue]] = []
                for run in runs {
                    for r in try await self.runs.results(userID: context.identity.userID, runID: run.id) {
                        rows.append(try Self.resultRow(r, run: run))
                    }
                }
                return Self.csv(header: Self.resultHeader, rows: rows, filename: "history.csv")
            }
            return Response.json(["runs": .array(try runs.map(Self.runJSON))])
        }
        routes.user(.get, "/api/runs/{id}", "A run with its per-run rows and aggregates", owned: "run") { _, context, _ in
            let (run, results) = try await load(context)
            var json = try Self.runJSON(run).objectValue!
            json["results"] = .array(try results.map(Self.resultJSON))
            json["aggregates"] = .array(TierAggregate.compute(results.map(TierAggregate.Input.init)).map(\.json))
            return Response.json(.object(json))
        }
        routes.user(.delete, "/api/runs/{id}", "Delete a run and its results", owned: "run", success: .noContent) { _, context, _ in
            let id = try context.parameters.require("id")
            guard try await self.runs.deleteRun(userID: context.identity.userID, id: id) else { throw APIError.notFound }
            try await audit.record(userID: context.identity.userID, email: nil, action: "run.delete", target: id, ip: context.clientIP)
            return Response(status: .noContent)
        }
        routes.user(.get, "/api/runs/{id}/requests",
                    "Each request of a load test or benchmark (level, intended and actual send time, TTFT, ITL, E2E, error, server request id) as JSON lines or CSV",
                    owned: "run", query: ["format"]) { request, context, _ in
            let format = request.uri.queryParameters["format"].map(String.init) ?? "jsonl"
            guard format == "jsonl" || format == "csv" else { throw APIError.badInput("format", "must be jsonl or csv") }
            let user = context.identity.userID
            guard let run = try await runs.run(userID: user, id: try context.parameters.require("id")) else { throw APIError.notFound }
            let timings = try await runs.requestTimings(userID: user, runID: run.id)
            if format == "csv" {
                return Self.csv(header: RequestTiming.columns, rows: timings.map(\.csvRow), filename: "run-\(run.id)-requests.csv")
            }
            var text = ""
            for timing in timings { text += JSONValue.object(timing.json).jsonString + "\n" }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson; charset=utf-8", .cacheControl: "no-store",
                                                   .contentDisposition: "attachment; filename=\"run-\(run.id)-requests.jsonl\""],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        routes.user(.get, "/api/runs/{id}/export", "A run as CSV (one row per run) or JSON (rows and aggregates)", owned: "run",
                    query: ["format"]) { request, context, _ in
            let format = try Self.format(request.uri.queryParameters["format"].map(String.init))
            let (run, results) = try await load(context)
            if format == "csv" {
                return Self.csv(header: Self.resultHeader, rows: try results.map { try Self.resultRow($0, run: run) }, filename: "run-\(run.id).csv")
            }
            var json = try Self.runJSON(run).objectValue!
            json["results"] = .array(try results.map(Self.resultJSON))
            json["aggregates"] = .array(TierAggregate.compute(results.map(TierAggregate.Input.init)).map(\.json))
            var response = Response.json(.object(json))
            response.headers[.contentDisposition] = "attachment; filename=\"run-\(run.id).json\""
            return response
        }

        routes.user(.get, "/api/analytics/leaderboard", "Best and median per model over a period (7d, 30d, 90d, all)",
                    query: ["period", "tier", "format"]) { request, context, _ in
            let query = request.uri.queryParameters
            let since = try Self.period(query["period"].map(String.init))
            let tier = try query["tier"].map { value -> Int in
                guard let t = Int(value), t >= 0 else { throw APIError.badInput("tier", "must be a whole number ≥ 0") }
                return t
            } ?? 0
            let format = try Self.format(query["format"].map(String.init))
            let results = try await self.runs.results(userID: context.identity.userID, since: since).filter { $0.contextTier == tier }
            let runsPerTarget = Dictionary(grouping: results, by: \.target).mapValues { Set($0.map(\.runID)).count }
            let aggregates = TierAggregate.compute(results.map(TierAggregate.Input.init))
                .sorted { ($0.outputSpeed?.median ?? -1) > ($1.outputSpeed?.median ?? -1) }
            let rows: [JSONValue] = aggregates.enumerated().map { rank, a in
                ["rank": .int(Int64(rank + 1)), "target": .string(a.targetID), "provider": .string(a.providerID), "model": .string(a.model),
                 "context_tier": .int(Int64(tier)), "benchmark_runs": .int(Int64(runsPerTarget[a.targetID] ?? 0)),
                 "ok": .int(Int64(a.ok)), "failed": .int(Int64(a.failed)),
                 "ttft_ms_best": Self.number(a.ttft?.min), "ttft_ms_median": Self.number(a.ttft?.median),
                 "output_speed_best": Self.number(a.outputSpeed?.max), "output_speed_median": Self.number(a.outputSpeed?.median),
                 "itl_ms_best": Self.number(a.itl?.min), "itl_ms_median": Self.number(a.itl?.median),
                 "cost_median": Self.number(a.cost?.median), "confidence": a.confidence.map { .string($0.rawValue) } ?? .null]
            }
            if format == "csv" {
                let header = ["rank", "target", "provider", "model", "context_tier", "benchmark_runs", "ok", "failed", "ttft_ms_best",
                              "ttft_ms_median", "output_speed_best", "output_speed_median", "itl_ms_best", "itl_ms_median", "cost_median", "confidence"]
                return Self.csv(header: header, rows: rows.map { row in header.map { row[$0] ?? .null } }, filename: "leaderboard.csv")
            }
            return Response.json(["period": .string(query["period"].map(String.init) ?? "30d"), "context_tier": .int(Int64(tier)),
                                  "leaderboard": .array(rows)])
        }
        routes.user(.get, "/api/analytics/trends", "A model's medians per run over time",
                    query: ["model", "provider", "period", "tier"]) { request, context, _ in
            let query = request.uri.queryParameters
            guard let model = query["model"].map(String.init), !model.isEmpty else { throw APIError.badInput("model", "is required") }
            let since = try Self.period(query["period"].map(String.init))
            let tier = Int(query["tier"].map(String.init) ?? "0") ?? 0
            let results = try await self.runs.results(userID: context.identity.userID, since: since, model: model,
                                                              provider: query["provider"].map(String.init)).filter { $0.contextTier == tier }
            var order: [String] = []
            var byRun: [String: [BenchmarkResultRecord]] = [:]
            for r in results {
                if byRun[r.runID] == nil { order.append(r.runID) }
                byRun[r.runID, default: []].append(r)
            }
            let points: [JSONValue] = order.flatMap { runID -> [JSONValue] in
                let rows = byRun[runID]!
                return TierAggregate.compute(rows.map(TierAggregate.Input.init)).map { a in
                    ["run_id": .string(runID), "at": .string(ISO8601.string(fromMilliseconds: rows[0].createdAt)),
                     "target": .string(a.targetID), "ok": .int(Int64(a.ok)), "failed": .int(Int64(a.failed)),
                     "ttft_ms_median": Self.number(a.ttft?.median), "output_speed_median": Self.number(a.outputSpeed?.median),
                     "itl_ms_median": Self.number(a.itl?.median), "cost_median": Self.number(a.cost?.median)]
                }
            }
            return Response.json(["model": .string(model), "context_tier": .int(Int64(tier)), "points": .array(points)])
        }
        routes.user(.get, "/api/analytics/compare", "2–4 runs side by side with differences from the first",
                    query: ["runs"]) { request, context, _ in
            let ids = (request.uri.queryParameters["runs"].map(String.init) ?? "").split(separator: ",").map(String.init)
            guard (2...4).contains(ids.count), Set(ids).count == ids.count else {
                throw APIError.badInput("runs", "name 2 to 4 different run ids, comma-separated")
            }
            var columns: [(BenchmarkRunRecord, [TierAggregate])] = []
            for id in ids {
                // Another user's run is missing like any other.
                guard let run = try await self.runs.run(userID: context.identity.userID, id: id) else { throw APIError.notFound }
                let results = try await self.runs.results(userID: context.identity.userID, runID: id)
                columns.append((run, TierAggregate.compute(results.map(TierAggregate.Input.init))))
            }
            var keys: [(String, Int)] = []
            for (_, aggregates) in columns {
                for a in aggregates where !keys.contains(where: { $0 == (a.targetID, a.tier) }) { keys.append((a.targetID, a.tier)) }
            }
            let rows: [JSONValue] = keys.map { key in
                let cells = columns.map { _, aggregates in aggregates.first { $0.targetID == key.0 && $0.tier == key.1 } }
                let base = cells[0]
                func metric(_ pick: (TierAggregate) -> Double?) -> JSONValue {
                    .array(cells.map { cell in
                        guard let cell, let value = pick(cell) else { return .null }
                        var json: JSONObject = ["value": .double(value)]
                        if let base, let reference = pick(base) {
                            json["difference"] = .double(value - reference)
                            json["difference_percent"] = reference == 0 ? .null : .double((value - reference) / reference * 100)
                        }
                        return .object(json)
                    })
                }
                return ["target": .string(key.0), "context_tier": .int(Int64(key.1)),
                        "ttft_ms_median": metric { $0.ttft?.median }, "output_speed_median": metric { $0.outputSpeed?.median },
                        "itl_ms_median": metric { $0.itl?.median }, "cost_median": metric { $0.cost?.median },
                        "ok": .array(cells.map { $0.map { .int(Int64($0.ok)) } ?? .null })]
            }
            return Response.json(["runs": .array(try columns.map { try Self.runJSON($0.0) }), "rows": .array(rows)])
        }
    }

    private func load(_ context: AuthenticatedContext) async throws -> (BenchmarkRunRecord, [BenchmarkResultRecord]) {
        let id = try context.parameters.require("id")
        guard let run = try await self.runs.run(userID: context.identity.userID, id: id) else { throw APIError.notFound }
        return (run, try await self.runs.results(userID: context.identity.userID, runID: id))
    }

    // MARK: - Query values

    static func time(_ text: String?, _ field: String) throws -> Int64? {
        guard let text else { return nil }
        guard let ms = Int64(text) ?? ISO8601.milliseconds(from: text) else {
            throw APIError.badInput(field, "must be an ISO 8601 time or Unix milliseconds")
        }
        return ms
    }

    static func format(_ text: String?) throws -> String {
        let format = text ?? "json"
        guard format == "json" || format == "csv" else { throw APIError.badInput("format", "must be json or csv") }
        return format
    }

    /// The start of a period: 7d, 30d (default), 90d or all.
    static func period(_ text: String?) throws -> Int64? {
        let days: [String: Int64] = ["7d": 7, "30d": 30, "90d": 90]
        let value = text ?? "30d"
        if value == "all" { return nil }
        guard let d = days[value] else { throw APIError.badInput("period", "must be 7d, 30d, 90d or all") }
        return Clock.milliseconds() - d * 86_400_000
    }

    // MARK: - JSON and CSV

    static func number(_ value: Double?) -> JSONValue { value.map(JSONValue.double) ?? .null }

    static func runJSON(_ run: BenchmarkRunRecord) throws -> JSONValue {
        ["id": .string(run.id), "kind": .string(run.kind), "status": .string(run.status), "job_id": run.jobID.map(JSONValue.string) ?? .null,
         "schedule_id": run.scheduleID.map(JSONValue.string) ?? .null,
         "request": try run.decodedRequest(),
         "started_at": .string(ISO8601.string(fromMilliseconds: run.startedAt)),
         "finished_at": run.finishedAt.map { .string(ISO8601.string(fromMilliseconds: $0)) } ?? .null,
         "summary": try run.decodedSummary()]
    }

    static func resultJSON(_ r: BenchmarkResultRecord) throws -> JSONValue {
        ["id": .string(r.id), "target": .string(r.target), "provider": .string(r.provider), "model": .string(r.model),
         "context_tier": .int(Int64(r.contextTier)), "run": .int(Int64(r.runIndex)), "ok": .bool(r.ok),
         "ttft_ms": number(r.ttftMs), "total_s": number(r.totalS), "queue_ms": number(r.queueMs),
         "output_tokens": r.outputTokens.map { .int(Int64($0)) } ?? .null,
         "reasoning_tokens": r.reasoningTokens.map { .int(Int64($0)) } ?? .null, "input_tokens": r.inputTokens.map { .int(Int64($0)) } ?? .null,
         "tokens_estimated": .bool(r.tokensEstimated), "tokens_per_second": number(r.tokensPerSecond),
         "output_speed": number(r.outputSpeed), "itl_ms": number(r.itlMs), "input_tps": number(r.inputTPS), "cost": number(r.cost),
         "prompt_tokens": r.promptTokens.map { .int(Int64($0)) } ?? .null, "error_class": r.errorClass.map(JSONValue.string) ?? .null,
         "error": r.error.map(JSONValue.string) ?? .null, "reads": try r.decodedReads(),
         "created_at": .string(ISO8601.string(fromMilliseconds: r.createdAt))]
    }

    static let resultHeader = ["run_id", "run_started_at", "result_id", "created_at", "target", "provider", "model", "context_tier", "run",
                               "ok", "ttft_ms", "total_s", "queue_ms", "output_tokens", "input_tokens", "tokens_estimated",
                               "tokens_per_second", "output_speed", "itl_ms", "input_tps", "cost", "prompt_tokens", "error_class", "error",
                               "reads",  // the number of network reads (the JSON export has each one)
                               "reasoning_tokens"]  // added last, so columns read by position keep their place

    static func resultRow(_ r: BenchmarkResultRecord, run: BenchmarkRunRecord) throws -> [JSONValue] {
        let json = try resultJSON(r)
        var row: [JSONValue] = [.string(run.id), .string(ISO8601.string(fromMilliseconds: run.startedAt)), .string(r.id),
                                .string(ISO8601.string(fromMilliseconds: r.createdAt))]
        row += resultHeader.dropFirst(4).map { column in
            column == "reads" ? (json["reads"]?.arrayValue?.count).map { .int(Int64($0)) } ?? .null : json[column] ?? .null
        }
        return row
    }

    static func csv(header: [String], rows: [[JSONValue]], filename: String) -> Response {
        let text = CSV.document(header: header, rows: rows)
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                                               .contentDisposition: "attachment; filename=\"\(filename)\""],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
