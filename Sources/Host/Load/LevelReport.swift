import StudioJSON

/// One level's report (docs/measurement.md): offered vs achieved rate and concurrency, TTFT, ITL
/// per read and per request, E2E percentiles, output tokens/s, requests/s, errors by
/// class, goodput against the SLOs, and the client's own dispatch lag (a level whose lag
/// p99 exceeds 1 ms is flagged client-limited: its figures partly measure us).
public struct LevelReport: Sendable {
    public let level: LoadPlan.Level
    public let json: JSONValue

    /// Dispatch lag p99 above this marks the level client-limited.
    public static let clientLimitMs = 1.0

    public init(level: LoadPlan.Level, plan: LoadPlan, warmup: Int, accumulated a: LevelAccumulator, cpuSeconds: Double) {
        self.level = level
        let window = a.lastEnd > a.firstIntended ? Double(a.lastEnd - a.firstIntended) / 1e9 : 0
        func perSecond(_ n: Int) -> JSONValue { window > 0 ? .double(Double(n) / window) : .null }
        var o: JSONObject = ["level": .string(level.description), "warmup": .int(Int64(warmup)),
                             "requests": .int(Int64(a.measured)), "ok": .int(Int64(a.ok)),
                             "errors": .object(JSONObject(a.errors.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })),
                             "error_examples": .object(JSONObject(a.errorExamples.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                             "duration_s": .double(window)]
        switch level {
        case .concurrency(let n):
            o["mode"] = "concurrency"
            o["offered_concurrency"] = .int(Int64(n))
            o["offered_rate"] = .null
        case .rate(let r):
            o["mode"] = .string(plan.poisson ? "poisson" : "constant")
            o["offered_rate"] = .double(r)
            o["offered_concurrency"] = .null
        }
        // Little's law: mean requests in flight = Σ E2E / window.
        o["achieved_concurrency"] = window > 0 ? .double(a.sumE2EMs / 1000 / window) : .null
        o["achieved_rate"] = perSecond(a.measured)
        o["requests_per_s"] = perSecond(a.ok)
        o["output_tokens_per_s"] = perSecond(a.outputTokens)
        o["output_tokens"] = .int(Int64(a.outputTokens))
        o["ttft_ms"] = a.ttft.json
        o["itl_ms_per_read"] = a.itlPerRead.json
        o["itl_ms_per_request"] = a.itlPerRequest.json
        o["e2e_ms"] = a.e2e.json
        o["dispatch_lag_ms"] = a.dispatchLag.json
        o["client_limited"] = .bool((a.dispatchLag.percentile(99) ?? 0) > Self.clientLimitMs)
        if plan.slo.isEmpty {
            o["goodput"] = .null
        } else {
            o["goodput"] = ["requests": .int(Int64(a.good)), "requests_per_s": perSecond(a.good),
                            "fraction": a.measured > 0 ? .double(Double(a.good) / Double(a.measured)) : .null]
        }
        // The CPU time covers the level's warm-up requests too, so it is shared by all it sent.
        o["client_cpu_s"] = .double(cpuSeconds)
        o["client_cpu_s_per_1k"] = a.measured > 0 ? .double(cpuSeconds / Double(a.measured + warmup) * 1000) : .null
        json = .object(o)
    }

    /// How our names map to the peers' (ITL and TPOT differ between them).
    public static let definitions: [(ours: String, definition: String, vllm: String, guidellm: String, aiperf: String)] = [
        ("ttft_ms", "t0 (request bytes flushed) → first read holding a token", "TTFT (from before session.post: includes pool wait, connect)",
         "time_to_first_token (0.3.1: from before the httpx call)", "time_to_first_token (from before session.request)"),
        ("itl_ms_per_read", "gap between token reads ÷ tokens in the read, one sample per token", "ITL (per SSE message)",
         "—", "inter_chunk_latency (per chunk)"),
        ("itl_ms_per_request", "(E2E − TTFT) / (tokens − 1), one sample per request", "TPOT", "inter_token_latency (per-request mean)",
         "inter_token_latency"),
        ("e2e_ms", "t0 → end of the stream", "E2EL", "request_latency", "request_latency"),
        ("output_tokens_per_s", "output tokens of ok requests ÷ level window", "output throughput", "output_tokens_per_second",
         "output_token_throughput"),
        ("dispatch_lag_ms", "t0 − intended send time (the schedule, or when the client handled the end of the stream's previous request)", "client_queue_time (recent)", "—",
         "credit_to_start_latency"),
        ("goodput", "requests meeting every SLO ÷ window", "--goodput", "— (0.8: SLO goodput)", "--goodput"),
    ]
}
