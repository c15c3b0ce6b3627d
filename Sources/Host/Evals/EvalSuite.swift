import HostBenchmark
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// A suite as the runner reads it: its system prompt, its tools and its cases, parsed.
public struct EvalSuite: Sendable {
    public struct Case: Sendable {
        public let key: String
        public let body: JSONValue
        public init(key: String, body: JSONValue) {
            self.key = key
            self.body = body
        }
    }

    public let systemPrompt: String
    public let tools: [JSONValue]
    public let cases: [Case]

    public init(systemPrompt: String, tools: [JSONValue], cases: [Case]) {
        self.systemPrompt = systemPrompt
        self.tools = tools
        self.cases = cases
    }
}
