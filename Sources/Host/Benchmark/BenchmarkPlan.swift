import HostMeasurement
import HostProviderCalls
import HostTransport
import StudioJSON

/// What to run (docs/measurement.md).
public struct BenchmarkPlan: Sendable {
    public var targets: [BenchmarkTarget]
    public var runs: Int = 3
    public var warmup = true
    public var prompt: String = BenchmarkPlan.defaultPrompt
    public var contextTiers: [Int] = [0]

    public static let defaultPrompt = "Write a short story of about 300 words about a lighthouse keeper who finds a message in a bottle."
    /// Context sizes offered by default, in tokens of filler before the prompt.
    public static let offeredTiers = [0, 1_000, 5_000, 10_000, 20_000, 50_000, 100_000, 150_000]

    public init(targets: [BenchmarkTarget]) { self.targets = targets }

    public struct Invalid: Error, CustomStringConvertible {
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    /// Checks the ranges of docs/measurement.md; names the field at fault.
    public func validate() throws(Invalid) {
        if targets.isEmpty { throw Invalid(field: "targets", message: "at least one target is required") }
        if !(1...20).contains(runs) { throw Invalid(field: "runs", message: "must be between 1 and 20, got \(runs)") }
        if prompt.isEmpty { throw Invalid(field: "prompt", message: "must not be empty") }
        if contextTiers.isEmpty { throw Invalid(field: "context_tiers", message: "at least one tier is required") }
        if let bad = contextTiers.first(where: { $0 < 0 || $0 > 2_000_000 }) {
            throw Invalid(field: "context_tiers", message: "tiers are between 0 and 2,000,000 tokens, got \(bad)")
        }
    }

    /// The skip rule: a tier longer than context_window − max_tokens − 100 does not fit
    /// (max_tokens as the target sends it; 0 when it sends none).
    public func skipReason(tier: Int, target: BenchmarkTarget) -> String? {
        guard tier > 0, let window = target.contextWindow else { return nil }
        let maxTokens = target.maxOutputTokens ?? 0
        let room = window - maxTokens - 100
        return tier > room ? "context tier \(tier) exceeds \(target.model)'s room of \(room) tokens (window \(window) − max_tokens \(maxTokens) − 100)" : nil
    }

    /// The normalized chat request for one run.
    func request(for target: BenchmarkTarget, tier: Int) -> JSONValue {
        var messages: [JSONValue] = []
        if let system = target.systemPrompt, !system.isEmpty { messages.append(["role": "system", "content": .string(system)]) }
        let content = tier > 0 ? ContextFiller.text(tokens: tier) + "\n\n" + prompt : prompt
        messages.append(["role": "user", "content": .string(content)])
        // The target's parameters are the one owner of max_tokens (docs/architecture.md).
        return ["model": .string(target.model), "stream": true, "messages": .array(messages), "params": .object(target.params)]
    }
}

