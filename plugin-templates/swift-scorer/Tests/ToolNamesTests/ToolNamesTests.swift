import PluginKit
import Testing
import ToolNames

@Suite struct ToolNamesTests {
    let scorer = try! ToolNames(config: [:])
    let testCase: JSONValue = ["expected_calls": [["name": "get_weather", "arguments": ["city": "Paris"]]]]

    @Test func rightToolAnyArguments() throws {
        let result = try scorer.score(case: testCase, output: ["calls": [["name": "get_weather", "arguments": ["city": "Rome"]]]])
        #expect(result.score == 1 && result.passed)
    }

    @Test func wrongOrMissingTool() throws {
        #expect(try scorer.score(case: testCase, output: ["calls": [["name": "get_time"]]]).score == 0)
        let none = try scorer.score(case: testCase, output: ["calls": []])
        #expect(none.score == 0 && none.errorType == "no_call")
        let extra = try scorer.score(case: testCase, output: ["calls": [["name": "get_weather"], ["name": "get_time"]]])
        #expect(extra.score == 0.5)
    }

    @Test func badInputIsRefused() {
        #expect(throws: PluginError.self) { try scorer.score(case: ["expected_calls": "x"], output: [:]) }
        #expect(throws: PluginError.self) { try ToolNames(config: ["surprise": 1]) }
    }
}
