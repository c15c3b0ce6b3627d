import HostMeasurement
import HostPlugins
import HostSecurity
import HostTransport
import StudioJSON

/// Everything one measured request produced.
public struct CallRecord: Sendable {
    public struct Failure: Sendable, Equatable {
        public let errorClass: ErrorClass
        /// Already scrubbed of secrets.
        public let message: String
        public let retryAfterSeconds: Double?

        public init(errorClass: ErrorClass, message: String, retryAfterSeconds: Double? = nil) {
            self.errorClass = errorClass
            self.message = message
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public init() {
        // One read per token or so: room for a typical stream, so the list rarely regrows.
        reads.reserveCapacity(64)
    }

    public var startedAt: UInt64 = 0
    public var t0: UInt64 = 0
    public var headAt: UInt64? = nil
    public var endAt: UInt64 = 0
    public var status: Int? = nil
    public var reads: [ReadRecord] = []
    public var text = ""
    public var reasoning = ""
    public var toolCalls: [AssembledToolCall] = []
    public var usageInput: Int? = nil
    /// Output tokens as the provider bills them: reasoning included (docs/measurement.md).
    public var usageOutput: Int? = nil
    /// The part of `usageOutput` spent reasoning, when the provider says.
    public var usageReasoning: Int? = nil
    /// Normalized (stop, length, tool_calls, content_filter, other) …
    public var finishReason: String? = nil
    /// … and as the provider wrote it (end_turn, MAX_TOKENS, eos).
    public var finishDetail: String? = nil
    public var failure: Failure? = nil
    /// The server's request id header (X-Sim-Request-Id from the simulator).
    public var serverRequestID: String? = nil

    public var queueNs: UInt64 { t0 >= startedAt ? t0 - startedAt : 0 }
    public var succeeded: Bool { failure == nil }

    public func metrics(prices: Prices?) -> RunMetrics {
        RunMetrics(t0: t0, end: endAt, queueNs: queueNs, reads: reads,
                   usageOutput: usageOutput, usageInput: usageInput, usageReasoning: usageReasoning,
                   reasoningStreamed: !reasoning.isEmpty, prices: prices)
    }
}
