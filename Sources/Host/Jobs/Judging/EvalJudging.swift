import HostBenchmark
import HostEvals
import HostJudge
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// Case bodies and suite tools an eval's results are judged against.
enum EvalJudging {
    static func caseBodies(userID: String, suiteID: String?, suites: SuiteStore) async throws -> ([String: JSONValue], [JSONValue]) {
        guard let suiteID, try await suites.find(userID: userID, id: suiteID) != nil else { return ([:], []) }
        let tools = try await suites.tools(userID: userID, suiteID: suiteID).compactMap { try? JSONParser.parse($0) }
        return (bodies(try await suites.cases(userID: userID, suiteID: suiteID)), tools)
    }

    /// Each case's body, parsed, by case key.
    static func bodies(_ cases: [CaseRecord]) -> [String: JSONValue] {
        var bodies: [String: JSONValue] = [:]
        for c in cases { bodies[c.caseKey] = (try? JSONParser.parse(c.body)) ?? [:] }
        return bodies
    }
}
