import HostMeasurement
import StudioJSON

/// What one simulated response does and when, read from the model name and request
/// headers (headers win). docs/simulator.md lists every key.
///
/// Model names are dash-separated keys: `sim-ttft200-gap20-tok64-epw4-fault429`.
/// Unknown segments are ignored, so `sim-fast` or `sim-judge` are valid names too.
public struct SimulatorSchedule: Sendable, Equatable {
    /// Time from request receipt to the first token-bearing write, milliseconds.
    public var ttftMs: Double = 50
    /// Time between successive tokens, milliseconds.
    public var gapMs: Double = 10
    /// Output tokens to produce (capped by the request's max tokens).
    public var tokens: Int = 32
    /// Token events packed into each write.
    public var eventsPerWrite: Int = 1
    /// Each write split in two, cut inside a multi-byte UTF-8 character when there is one.
    public var splitEvents = false
    /// Delay before the response head is sent, milliseconds.
    public var headerDelayMs: Double = 0
    public var fault: Fault? = nil
    /// How the model answers when tools are offered.
    public var toolMode: ToolMode = .call
    /// A judge model answers the studio's judge prompts instead of the fixed text.
    public var judge: SimulatedJudge.Mode? = nil
    /// A prompt writer answers a tuner's request for system prompts (SimulatedPromptWriter).
    public var promptWriter = false

    public enum Fault: String, Sendable, CaseIterable {
        /// 429 with Retry-After.
        case rateLimited = "429"
        /// 500 with an error body.
        case serverError = "500"
        /// 401 with an error body.
        case unauthorized = "401"
        /// Half the tokens, then the connection is closed without ending the body.
        case disconnect
        /// One event in the middle is not valid JSON.
        case malformed
        /// No usage block in the response.
        case noUsage = "nousage"
    }

    public enum ToolMode: String, Sendable, CaseIterable {
        /// Call the tool the prompt names (or the first tool) with arguments from the prompt.
        case call
        /// Answer in text, call nothing.
        case none
        /// Call a tool that was not offered.
        case wrong
        /// Call the right tool with arguments that are not valid JSON.
        case malformed = "badargs"
        /// Call every tool the prompt names, or the first tool twice.
        case parallel
        /// Call the right tool as often as ResponseSurface's formula says for the request's
        /// temperature, top_p and system prompt; otherwise a tool that was not offered.
        case surface
        /// The same at a flat 60 %, whatever the request says.
        case flat
    }

    public init() {}

    public init(model: String, headers: [String: String], maxTokens: Int?) {
        for segment in model.lowercased().split(separator: "-") {
            apply(key: String(segment))
        }
        if let v = headers["x-sim-ttft-ms"].flatMap(Double.init) { ttftMs = v }
        if let v = headers["x-sim-gap-ms"].flatMap(Double.init) { gapMs = v }
        if let v = headers["x-sim-tokens"].flatMap(Int.init) { tokens = v }
        if let v = headers["x-sim-events-per-write"].flatMap(Int.init) { eventsPerWrite = v }
        if let v = headers["x-sim-header-delay-ms"].flatMap(Double.init) { headerDelayMs = v }
        if let v = headers["x-sim-split"] { splitEvents = v == "1" || v == "true" }
        if let v = headers["x-sim-fault"] { fault = Fault(rawValue: v.lowercased()) }
        if let v = headers["x-sim-judge"].flatMap({ SimulatedJudge.Mode(rawValue: $0.lowercased()) }) { judge = v }
        if let v = headers["x-sim-tools"].flatMap({ ToolMode(rawValue: $0.lowercased()) }) { toolMode = v }
        if let maxTokens, maxTokens > 0 { tokens = min(tokens, maxTokens) }
        ttftMs = max(0, min(ttftMs, 600_000))
        gapMs = max(0, min(gapMs, 60_000))
        tokens = max(1, min(tokens, 100_000))
        eventsPerWrite = max(1, min(eventsPerWrite, 1000))
    }

    private mutating func apply(key: String) {
        func number(after prefix: String) -> Double? {
            guard key.hasPrefix(prefix) else { return nil }
            return Double(key.dropFirst(prefix.count))
        }
        if let v = number(after: "ttft") { ttftMs = v; return }
        if let v = number(after: "gap") { gapMs = v; return }
        if let v = number(after: "tok") { tokens = Saturating.int(v); return }
        if let v = number(after: "epw") { eventsPerWrite = Saturating.int(v); return }
        if let v = number(after: "hdr") { headerDelayMs = v; return }
        if key == "split" { splitEvents = true; return }
        if key.hasPrefix("fault"), let f = Fault(rawValue: String(key.dropFirst(5))) { fault = f; return }
        if let mode = SimulatedJudge.Mode(rawValue: key) { judge = mode; return }
        if key == "promptwriter" { promptWriter = true; return }
        if key.hasPrefix("tools"), let m = ToolMode(rawValue: String(key.dropFirst(5))) { toolMode = m; return }
    }

    /// Monotonic deadline (ns) of token `index`, absolute from request receipt: never a
    /// chain of sleeps, so lateness does not accumulate.
    public func deadline(ofToken index: Int, receivedAt: UInt64) -> UInt64 {
        receivedAt + UInt64((ttftMs + Double(index) * gapMs) * 1_000_000)
    }

    public var json: JSONValue {
        [
            "ttft_ms": .double(ttftMs), "gap_ms": .double(gapMs), "tokens": .int(Int64(tokens)),
            "events_per_write": .int(Int64(eventsPerWrite)), "split_events": .bool(splitEvents),
            "header_delay_ms": .double(headerDelayMs), "fault": fault.map { .string($0.rawValue) } ?? .null,
            "tool_mode": .string(toolMode.rawValue), "judge": judge.map { .string($0.rawValue) } ?? .null,
            "prompt_writer": .bool(promptWriter),
        ]
    }
}
