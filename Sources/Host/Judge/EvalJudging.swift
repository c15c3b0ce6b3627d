import HostStorage
import StudioJSON

/// Case bodies and suite tools an eval's results are judged against.
public enum EvalJudging {
    public static func caseBodies(userID: String, suiteID: String?, suites: SuiteStore) async throws -> ([String: JSONValue], [JSONValue]) {
        guard let suiteID, try await suites.find(userID: userID, id: suiteID) != nil else { return ([:], []) }
        let tools = try await suites.decodedTools(userID: userID, suiteID: suiteID)
        return (try bodies(try await suites.cases(userID: userID, suiteID: suiteID)), tools)
    }

    /// Each case's body, parsed, by case key.
    public static func bodies(_ cases: [CaseRecord]) throws -> [String: JSONValue] {
        var bodies: [String: JSONValue] = [:]
        for c in cases { bodies[c.caseKey] = try c.decodedBody() }
        return bodies
    }
}
