import HostMeasurement
import HostProviderCalls
import HostTransport
import StudioJSON

/// One measured run of one target at one context tier.
public struct RunResult: Sendable {
    public let targetID: String
    public let providerID: String
    public let model: String
    public let tier: Int
    public let run: Int
    public let metrics: RunMetrics
    public let failure: CallRecord.Failure?
    /// Prompt size the provider reported (usage), beside the requested tier.
    public let promptTokens: Int?
    public let outputCharacters: Int
    public let reads: [ReadRecord]
    public let serverRequestID: String?
    /// MonotonicClock time the request was handed to the connection (reads are after it).
    public var t0: UInt64 = 0

    public var succeeded: Bool { failure == nil }

    public var json: JSONValue {
        let m = metrics
        func num(_ v: Double?) -> JSONValue { v.map(JSONValue.double) ?? .null }
        return [
            "target": .string(targetID), "provider": .string(providerID), "model": .string(model),
            "context_tier": .int(Int64(tier)), "run": .int(Int64(run)), "ok": .bool(succeeded),
            "ttft_ms": num(m.ttftMs), "total_s": .double(m.totalSeconds), "queue_ms": .double(m.queueMs),
            "output_tokens": .int(Int64(m.outputTokens)), "reasoning_tokens": m.reasoningTokens.map { .int(Int64($0)) } ?? .null,
            "input_tokens": m.inputTokens.map { .int(Int64($0)) } ?? .null,
            "tokens_estimated": .bool(m.tokensEstimated), "tokens_per_second": num(m.tokensPerSecond),
            "output_speed": num(m.outputSpeed), "itl_ms": num(m.itlMs), "input_tps": num(m.inputTPS), "cost": num(m.cost),
            "prompt_tokens": promptTokens.map { .int(Int64($0)) } ?? .null,
            "error_class": failure.map { .string($0.errorClass.description) } ?? .null,
            "error": failure.map { .string($0.message) } ?? .null,
        ]
    }
}
