import Foundation
import StudioJSON
import Testing

/// The `schema` and `names-f1` scorer plugins through `studio score`, as scorer authors
/// and users run them: one JSON object per output line.
@Suite struct SchemaAndNamesScorerTests {
    static let tools: JSONValue = [["type": "function", "function": ["name": "get_weather", "parameters": [
        "type": "object", "properties": ["city": ["type": "string"], "days": ["type": "integer", "minimum": 1]],
        "required": ["city"], "additionalProperties": false]]]]

    static func score(_ scorer: String, cases: [JSONValue], outputs: [JSONValue]) throws -> [String: JSONValue] {
        let folder = TestSupport.temporaryDirectory("scorer-\(scorer)")
        let casesFile = folder.appendingPathComponent("cases.jsonl").path, outputsFile = folder.appendingPathComponent("outputs.jsonl").path
        try cases.map(\.jsonString).joined(separator: "\n").write(toFile: casesFile, atomically: true, encoding: .utf8)
        try outputs.map(\.jsonString).joined(separator: "\n").write(toFile: outputsFile, atomically: true, encoding: .utf8)
        let result = try TestSupport.run(TestSupport.studioExecutable, ["score", "--scorer", scorer, "--cases", casesFile, "--outputs", outputsFile, "--json"])
        #expect(result.status == 0 || result.status == 1, "\(result.stderr)")
        var rows: [String: JSONValue] = [:]
        for line in result.stdout.split(separator: "\n") {
            let row = try JSONParser.parse(String(line))
            rows[row["id"]?.stringValue ?? ""] = row
        }
        return rows
    }

    @Test func schemaChecksEveryCallAgainstItsTool() throws {
        let testCase: JSONValue = ["id": "c", "prompt": "Weather?", "tools": Self.tools, "expected_calls": [["name": "get_weather"]]]
        let rows = try Self.score("schema", cases: [testCase], outputs: [
            ["id": "valid", "case_id": "c", "calls": [["name": "get_weather", "arguments": ["city": "Paris", "days": 3]]]],
            ["id": "wrong-type", "case_id": "c", "calls": [["name": "get_weather", "arguments": ["city": "Paris", "days": "three"]]]],
            ["id": "missing", "case_id": "c", "calls": [["name": "get_weather", "arguments": ["days": 2]]]],
            ["id": "unknown", "case_id": "c", "calls": [["name": "get_time", "arguments": [:]], ["name": "get_weather", "arguments": ["city": "Rome"]]]],
            ["id": "raw", "case_id": "c", "calls": [["name": "get_weather", "arguments": "{oops"]]],
            ["id": "none", "case_id": "c", "calls": []],
        ])
        #expect(rows["valid"]?["score"] == 1.0 && rows["valid"]?["passed"] == true)
        #expect(rows["wrong-type"]?["score"] == 0.0 && rows["wrong-type"]?["error_type"] == "argument_hallucination")
        #expect(rows["missing"]?["passed"] == false)
        #expect(rows["unknown"]?["score"] == 0.5 && rows["unknown"]?["error_type"] == "tool_hallucination")
        #expect(rows["raw"]?["error_type"] == "invalid_invocation")
        #expect(rows["none"]?["score"] == 0.0 && rows["none"]?["error_type"] == "no_call")
    }

    @Test func namesF1CountsToolNames() throws {
        let two: JSONValue = ["id": "two", "prompt": "p", "expected_calls": [["name": "search"], ["name": ["book", "reserve"]]]]
        let none: JSONValue = ["id": "none", "prompt": "hi", "expected_calls": [], "should_call_tool": false]
        let rows = try Self.score("names-f1", cases: [two, none], outputs: [
            ["id": "both", "case_id": "two", "calls": [["name": "reserve"], ["name": "search"]]],
            ["id": "one", "case_id": "two", "calls": [["name": "search"]]],
            ["id": "extra", "case_id": "two", "calls": [["name": "search"], ["name": "book"], ["name": "pay"]]],
            ["id": "quiet", "case_id": "none", "calls": []],
            ["id": "chatty", "case_id": "none", "calls": [["name": "search"]]],
        ])
        #expect(rows["both"]?["score"] == 1.0)
        // one of two: precision 1, recall 0.5 → F1 2/3.
        #expect(abs((rows["one"]?["score"]?.doubleValue ?? 0) - 2.0 / 3) < 1e-9)
        // three calls, two right: precision 2/3, recall 1 → F1 0.8.
        #expect(abs((rows["extra"]?["score"]?.doubleValue ?? 0) - 0.8) < 1e-9)
        #expect(rows["quiet"]?["score"] == 1.0 && rows["chatty"]?["score"] == 0.0 && rows["chatty"]?["error_type"] == "tool_hallucination")
    }
}
