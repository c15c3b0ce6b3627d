import HostBenchmark
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// Runs an eval: every target × case × repeat, in that order, through `EvalCaseRunner`.
/// The one loop behind eval jobs and `studio eval`, as `BenchmarkRunner` is for
/// benchmarks; callers store, judge or print through `onEvent`. Stops between cases when
/// its task is cancelled.
public struct EvalRunner: Sendable {
    public let transport: Transport

    public init(transport: Transport) { self.transport = transport }

    /// `beforeCase` may stop the eval by throwing (a tuner's budget, docs/tuning.md);
    /// `repeats` narrows the repeats run (a tuner's further repeats of a promising trial).
    public func run(targets: [BenchmarkTarget], suite: EvalSuite, request: EvalRequest, scorer: ScorerInstance,
                    repeats: ClosedRange<Int>? = nil, beforeCase: () throws -> Void = {},
                    onEvent: (EvalEvent) async throws -> Void) async throws -> [CaseResultRecord] {
        let repeats = repeats ?? 1...request.repeats
        let cases = EvalCaseRunner(transport: transport)
        let total = targets.count * suite.cases.count * repeats.count
        var all: [CaseResultRecord] = []
        for target in targets {
            var mine: [CaseResultRecord] = []
            for testCase in suite.cases {
                for repeatIndex in repeats {
                    if Task.isCancelled { break }
                    try beforeCase()
                    let result = await cases.runCase(target: target, systemPrompt: systemPrompt(for: target, suite: suite, request: request),
                                                     tools: suite.tools, caseKey: testCase.key,
                                                     body: testCase.body, request: request, repeatIndex: repeatIndex, scorer: scorer)
                    mine.append(result)
                    try await onEvent(.result(result, done: all.count + mine.count, total: total))
                }
            }
            all += mine
            if let summary = try EvalSummary.compute(mine).first { try await onEvent(.modelSummary(summary)) }
        }
        return all
    }

    /// The eval's own system prompt when it gives one, else a target's profile's, else the suite's.
    func systemPrompt(for target: BenchmarkTarget, suite: EvalSuite, request: EvalRequest) -> String {
        guard request.systemPrompt == nil, target.profile != nil, let prompt = target.systemPrompt else { return suite.systemPrompt }
        return prompt
    }
}
