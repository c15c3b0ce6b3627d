import HostStorage
import StudioJSON

extension CaseResultRecord {
    /// One case result as the API, the SSE stream and `studio eval --json` show it.
    public var json: JSONObject {
        get throws(StoredValueError) {
        ["case_id": .string(caseKey), "target": .string(target), "repeat": .int(Int64(repeatIndex)),
         "score": score.map(JSONValue.double) ?? .null, "passed": passed.map(JSONValue.bool) ?? .null,
         "error_type": errorType.map(JSONValue.string) ?? .null, "latency_ms": latencyMs.map(JSONValue.double) ?? .null,
         "category": category.map(JSONValue.string) ?? .null, "cost_usd": costUSD.map(JSONValue.double) ?? .null,
         "output": try decodedOutput()]
        }
    }
}
