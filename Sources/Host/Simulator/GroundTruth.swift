import HostMeasurement
import StudioJSON

/// What the simulator actually did for one request, on the same monotonic clock as the
/// client: the truth that measurements are checked against.
public struct GroundTruth: Sendable {
    public struct Write: Sendable {
        /// When the bytes went to the socket: stamped by WireStampHandler right after the
        /// flush that carried them (the handler's stamp replaces `queuedAt` when present).
        public internal(set) var at: UInt64
        /// When the simulator handed the bytes to the server's writer.
        public let queuedAt: UInt64
        public let bytes: Int
        /// Token events in this write (0 for role chunks, usage, keep-alives, [DONE]).
        public let tokens: Int

        init(queuedAt: UInt64, bytes: Int, tokens: Int) {
            self.at = queuedAt
            self.queuedAt = queuedAt
            self.bytes = bytes
            self.tokens = tokens
        }
    }

    public let id: String
    public let api: String
    public let model: String
    public let schedule: SimulatorSchedule
    public let receivedAt: UInt64
    public internal(set) var headersAt: UInt64 = 0
    public internal(set) var writes: [Write] = []
    public internal(set) var endAt: UInt64 = 0
    public internal(set) var inputTokens = 0
    public internal(set) var outputTokens = 0
    public internal(set) var completed = false
    /// The output limit the request asked for (max_tokens, max_completion_tokens,
    /// maxOutputTokens), nil when it sent none: shows what reached the provider.
    public internal(set) var requestedMaxTokens: Int?

    /// First write that carried a token.
    public var firstTokenAt: UInt64? { writes.first { $0.tokens > 0 }?.at }

    /// Ground-truth TTFT: receipt → first token write.
    public var ttftMs: Double? { firstTokenAt.map { MonotonicClock.milliseconds(from: receivedAt, to: $0) } }

    /// Ground-truth inter-token gaps, per token, spread over each write's tokens.
    public var itlSamplesMs: [Double] {
        var samples: [Double] = []
        var previous: UInt64?
        for write in writes where write.tokens > 0 {
            if let previous {
                samples += repeatElement(MonotonicClock.milliseconds(from: previous, to: write.at) / Double(write.tokens), count: write.tokens)
            }
            previous = write.at
        }
        return samples
    }

    public var json: JSONValue {
        [
            "id": .string(id), "api": .string(api), "model": .string(model), "schedule": schedule.json,
            "received_ns": .int(Int64(receivedAt)), "headers_ns": .int(Int64(headersAt)),
            "first_token_ns": firstTokenAt.map { .int(Int64($0)) } ?? .null,
            "end_ns": .int(Int64(endAt)), "ttft_ms": ttftMs.map(JSONValue.double) ?? .null,
            "input_tokens": .int(Int64(inputTokens)), "output_tokens": .int(Int64(outputTokens)),
            "completed": .bool(completed), "max_tokens": requestedMaxTokens.map { .int(Int64($0)) } ?? .null,
            "writes": .array(writes.map {
                ["at_ns": .int(Int64($0.at)), "queued_ns": .int(Int64($0.queuedAt)), "bytes": .int(Int64($0.bytes)),
                 "tokens": .int(Int64($0.tokens))]
            }),
        ]
    }
}
