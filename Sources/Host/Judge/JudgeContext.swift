import HostStorage
import StudioJSON

/// What one judge run works with: whose it is, its report row, the judge, the prompts,
/// where verdicts go, and the suite's cases and tools the results are judged against.
public struct JudgeContext: Sendable {
    public let userID: String
    public let report: JudgeReportRecord
    let client: JudgeClient
    let prompts: JudgePrompts
    let store: JudgeStore
    /// Where verdicts and reports go as they come (the job's event stream).
    let emit: @Sendable (JudgeEvent) async throws -> Void
    /// Case bodies by key, and the suite's tools (a case's own tools win).
    let cases: [String: JSONValue]
    let tools: [JSONValue]

    public init(userID: String, report: JudgeReportRecord, client: JudgeClient, prompts: JudgePrompts, store: JudgeStore,
                cases: [String: JSONValue], tools: [JSONValue], emit: @escaping @Sendable (JudgeEvent) async throws -> Void) {
        self.userID = userID
        self.report = report
        self.client = client
        self.prompts = prompts
        self.store = store
        self.cases = cases
        self.tools = tools
        self.emit = emit
    }

    /// A case as the judge sees it (without its tools), and the tools it offered.
    func caseData(_ key: String) -> (JSONValue, JSONValue) {
        let body = cases[key] ?? [:]
        var data = body.objectValue ?? [:]
        data["tools"] = nil
        data["id"] = .string(key)
        return (.object(data), .array(body["tools"]?.arrayValue ?? tools))
    }

    /// The judge's answer to one rendered prompt, as text.
    func ask(_ task: JudgeTask, _ values: [String: JSONValue]) async throws(JudgeError) -> String {
        let prompt: JudgePrompt
        do { prompt = try prompts.render(task, version: report.promptVersion, values: values) } catch { throw JudgeError("prompt", "\(error)") }
        return try await client.ask(prompt, task: task).get()
    }

    /// Runs `body` on each item as it arrives, at most `limit` at once (the judge
    /// concurrency setting), until the items end or the task is cancelled; the results
    /// come back in completion order.
    static func concurrently<Item: Sendable, Result: Sendable>(_ items: AsyncStream<Item>, limit: Int,
                                                               _ body: @escaping @Sendable (Item) async -> Result) async -> [Result] {
        await withTaskGroup(of: Result.self) { group in
            var results: [Result] = []
            var inFlight = 0
            for await item in items {
                if Task.isCancelled { break }
                if inFlight >= limit, let done = await group.next() {
                    results.append(done)
                    inFlight -= 1
                }
                group.addTask { await body(item) }
                inFlight += 1
            }
            for await done in group { results.append(done) }
            return results
        }
    }

    /// Stores a verdict (or judge error) and sends it as `judge_verdict`.
    func record(_ verdict: JSONObject, caseResultID: String?, caseKey: String, target: String) async {
        try? await store.addVerdict(userID: userID, reportID: report.id, caseResultID: caseResultID, caseKey: caseKey,
                                    target: target, verdict: JSONValue.object(verdict).jsonString)
        var event = verdict
        event["report_id"] = .string(report.id)
        event["eval_id"] = report.evalRunID.map(JSONValue.string) ?? .null
        try? await emit(.verdict(event))
    }
}
