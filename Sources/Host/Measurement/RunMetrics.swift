/// The per-run figures of docs/measurement.md, computed from timestamps on the host's monotonic clock.
public struct RunMetrics: Sendable, Equatable {
    public let ttftMs: Double?
    public let totalSeconds: Double
    public let queueMs: Double
    /// Output tokens as billed: reasoning included, for every provider (docs/measurement.md).
    public let outputTokens: Int
    /// The part of `outputTokens` the model spent reasoning, when the provider says.
    public let reasoningTokens: Int?
    public let inputTokens: Int?
    /// True when output tokens were counted from events because the provider reported no usage.
    public let tokensEstimated: Bool
    public let tokensPerSecond: Double?
    public let outputSpeed: Double?
    public let itlMs: Double?
    public let inputTPS: Double?
    public let cost: Double?
    /// Per-read inter-token gaps: (gap to the previous token read) / (tokens in this read),
    /// one sample per token, so several tokens in one read never count as 0 ms gaps.
    public let itlSamplesMs: [Double]

    /// - Parameters:
    ///   - t0: MonotonicClock time the request was handed to the connection.
    ///   - end: time the stream ended.
    ///   - queueNs: time spent waiting for a connection before t0.
    ///   - reads: every body read with its decoded event counts.
    ///   - usageOutput / usageInput / usageReasoning: provider-reported token counts, when present.
    ///   - reasoningStreamed: whether the reasoning came as tokens of the stream (DeepSeek,
    ///     Anthropic thinking, Gemini thoughts when asked for). When it did not (OpenAI o
    ///     series, Gemini by default), it was generated before the first token, inside the
    ///     TTFT: output speed and ITL then count only the tokens that were streamed.
    public init(t0: UInt64, end: UInt64, queueNs: UInt64, reads: [ReadRecord],
                usageOutput: Int?, usageInput: Int?, usageReasoning: Int? = nil, reasoningStreamed: Bool = true, prices: Prices?) {
        let firstToken = reads.first { $0.tokenEvents > 0 }
        let ttft = firstToken.map { MonotonicClock.milliseconds(from: t0, to: $0.at) }
        let total = max(0, MonotonicClock.milliseconds(from: t0, to: end)) / 1000
        let counted = reads.reduce(0) { $0 + $1.tokenEvents }
        let out = usageOutput ?? counted

        ttftMs = ttft
        totalSeconds = total
        queueMs = Double(queueNs) / 1_000_000
        outputTokens = out
        reasoningTokens = usageReasoning
        inputTokens = usageInput
        tokensEstimated = usageOutput == nil
        tokensPerSecond = total > 0 ? Double(out) / total : nil
        let streamed = usageReasoning.map { reasoningStreamed ? out : max(0, out - $0) } ?? out
        (outputSpeed, itlMs, inputTPS) = Self.rates(ttftMs: ttft, totalSeconds: total, output: streamed, input: usageInput)
        cost = Self.cost(input: usageInput, output: out, prices: prices)

        var samples: [Double] = []
        var previous: UInt64? = nil
        for read in reads where read.tokenEvents > 0 {
            if let previous {
                let gap = MonotonicClock.milliseconds(from: previous, to: read.at) / Double(read.tokenEvents)
                samples.append(contentsOf: repeatElement(gap, count: read.tokenEvents))
            }
            previous = read.at
        }
        itlSamplesMs = samples
    }

    /// output_speed = out / (total − ttft); itl = (total − ttft) / (out − 1), nil when
    /// out < 2; input_tps = in / ttft.
    public static func rates(ttftMs: Double?, totalSeconds: Double, output: Int, input: Int?)
        -> (outputSpeed: Double?, itlMs: Double?, inputTPS: Double?)
    {
        guard let ttftMs else { return (nil, nil, nil) }
        let generation = totalSeconds - ttftMs / 1000
        let speed = generation > 0 && output > 0 ? Double(output) / generation : nil
        let itl = output >= 2 && generation >= 0 ? generation * 1000 / Double(output - 1) : nil
        let inputTPS = input.flatMap { ttftMs > 0 ? Double($0) / (ttftMs / 1000) : nil }
        return (speed, itl, inputTPS)
    }

    /// cost = in × price_in / 1e6 + out × price_out / 1e6; nil when a needed price or
    /// count is unknown.
    public static func cost(input: Int?, output: Int, prices: Prices?) -> Double? {
        guard let prices, let priceIn = prices.input, let priceOut = prices.output, let input else { return nil }
        return Double(input) * priceIn / 1e6 + Double(output) * priceOut / 1e6
    }
}
