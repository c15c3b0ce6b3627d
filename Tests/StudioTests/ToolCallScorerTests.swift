import HostPlugins
import StudioJSON
import Testing

/// docs/evals.md worked examples for the `toolcall` scorer, run through the real plugin over
/// the C ABI (the same path the eval runner takes).
@Suite struct ToolCallScorerTests {
    static let scorer: ScorerInstance = {
        let plugin = try! PluginLoader.load(path: TestSupport.toolCallPath)
        return try! plugin.makeScorer()
    }()

    static let weatherTool: JSONValue = ["type": "function", "function": [
        "name": "get_weather",
        "parameters": ["type": "object",
                       "properties": ["city": ["type": "string"], "units": ["type": "string"], "days": ["type": "integer"]],
                       "required": ["city", "units"]]]]

    func score(expected: [JSONValue], calls: [JSONValue], tools: [JSONValue] = [weatherTool],
               extra: JSONObject = [:]) throws -> JSONValue {
        var testCase: JSONObject = ["id": "t", "expected_calls": .array(expected), "tools": .array(tools)]
        for (k, v) in extra { testCase[k] = v }
        return try Self.scorer.score(case: .object(testCase), output: ["calls": .array(calls), "text": ""])
    }

    func sub(_ result: JSONValue, _ name: String) -> Double? { result["subscores"]?[name]?.doubleValue }

    // Tool selection
    @Test func sameToolScoresOne() throws {
        let r = try score(expected: [["name": "get_weather"]], calls: [["name": "get_weather", "arguments": [:]]])
        #expect(sub(r, "tool") == 1)
        #expect(r["score"]?.doubleValue == 1)
        #expect(r["subscores"]?["params"] == .null, "no params expected ⇒ null")
    }

    @Test func toolNamesCompareCaseInsensitively() throws {
        let r = try score(expected: [["name": "get_weather"]], calls: [["name": "GET_WEATHER", "arguments": [:]]])
        #expect(sub(r, "tool") == 1)
    }

    @Test func noneExpectedNoneCalledIsOne() throws {
        let r = try score(expected: [], calls: [])
        #expect(sub(r, "tool") == 1 && r["score"]?.doubleValue == 1 && r["passed"]?.boolValue == true)
    }

    @Test func noneExpectedButCalledIsZero() throws {
        let r = try score(expected: [], calls: [["name": "x", "arguments": [:]]])
        #expect(sub(r, "tool") == 0 && r["score"]?.doubleValue == 0)
    }

    @Test func shouldCallToolFalseIsAnIrrelevanceCase() throws {
        let r = try score(expected: [["name": "get_weather"]], calls: [], extra: ["should_call_tool": false])
        #expect(r["score"]?.doubleValue == 1)
    }

    @Test func expectedButNotCalledIsZero() throws {
        let r = try score(expected: [["name": "x"]], calls: [])
        #expect(sub(r, "tool") == 0 && r["score"]?.doubleValue == 0)
        #expect(r["error_type"]?.stringValue == "no_call")
    }

    @Test func aListOfNamesAcceptsAnyOfThem() throws {
        let r = try score(expected: [["name": ["a", "b"]]], calls: [["name": "b", "arguments": [:]]], tools: [])
        #expect(sub(r, "tool") == 1)
    }

    // Parameters
    @Test func emptyExpectedArgumentsScoreOne() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": [:]]], calls: [["name": "get_weather", "arguments": ["city": "x"]]])
        #expect(sub(r, "params") == 1)
    }

    @Test func noCallGivesParamsZero() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": ["city": "nyc"]]], calls: [])
        #expect(sub(r, "params") == 0)
    }

    @Test func stringsMatchCaseInsensitivelyByDefault() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": ["city": "nyc"]]],
                          calls: [["name": "get_weather", "arguments": ["city": "NYC"]]])
        #expect(sub(r, "params") == 1)
    }

    @Test func oneOfTwoKeysRightIsHalf() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": ["city": "Paris", "units": "metric"]]],
                          calls: [["name": "get_weather", "arguments": ["city": "Paris", "units": "imperial"]]])
        #expect(sub(r, "params") == 0.5)
        #expect(abs(r["score"]!.doubleValue! - 0.8) < 1e-12, "tool 1, params 0.5 ⇒ 0.8")
    }

    @Test func integerMatchesEqualFloat() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": ["days": 5]]],
                          calls: [["name": "get_weather", "arguments": ["days": 5.0]]])
        #expect(sub(r, "params") == 1)
    }

    @Test func missingKeyScoresZeroForThatKeyAndExtraKeysAreIgnored() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": ["city": "Paris", "days": 3]]],
                          calls: [["name": "get_weather", "arguments": ["city": "Paris", "mood": "sunny"]]])
        #expect(sub(r, "params") == 0.5)
    }

    @Test func wrongToolRightParamsIsPointFour() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": ["city": "Paris"]]],
                          calls: [["name": "get_forecast", "arguments": ["city": "Paris"]]])
        #expect(sub(r, "tool") == 0 && sub(r, "params") == 1)
        #expect(abs(r["score"]!.doubleValue! - 0.4) < 1e-12)
    }

    @Test func matchersOverrideTheDefault() throws {
        let exact = try score(expected: [["name": "get_weather", "arguments": ["city": ["exact": "Paris"]]]],
                              calls: [["name": "get_weather", "arguments": ["city": "paris"]]])
        #expect(sub(exact, "params") == 0)
        let regex = try score(expected: [["name": "get_weather", "arguments": ["city": ["regex": "^Par"]]]],
                              calls: [["name": "get_weather", "arguments": ["city": "Paris"]]])
        #expect(sub(regex, "params") == 1)
        let tolerance = try score(expected: [["name": "get_weather", "arguments": ["days": ["numeric_tolerance": 3, "epsilon": 0.5]]]],
                                  calls: [["name": "get_weather", "arguments": ["days": 3.4]]])
        #expect(sub(tolerance, "params") == 1)
        let alternatives = try score(expected: [["name": "get_weather", "arguments": ["city": ["Paris", "Paris, FR"]]]],
                                     calls: [["name": "get_weather", "arguments": ["city": "paris, fr"]]])
        #expect(sub(alternatives, "params") == 1)
    }

    // Schema score
    @Test func schemaAllRequiredPresentIsOne() throws {
        let r = try score(expected: [["name": "get_weather"]], calls: [["name": "get_weather", "arguments": ["city": "a", "units": "c"]]])
        #expect(sub(r, "schema") == 1)
    }

    @Test func schemaHalfTheRequiredIsPointSevenFive() throws {
        let r = try score(expected: [["name": "get_weather"]], calls: [["name": "get_weather", "arguments": ["city": "a"]]])
        #expect(sub(r, "required_present") == 0.5)
        #expect(sub(r, "schema") == 0.75)
    }

    @Test func schemaNoArgumentsHasNoRequiredPresent() throws {
        let r = try score(expected: [["name": "get_weather"]], calls: [["name": "get_weather", "arguments": [:]]])
        #expect(sub(r, "required_present") == 0)
    }

    @Test func schemaWrongTypeLowersTypeCorrect() throws {
        let r = try score(expected: [["name": "get_weather"]],
                          calls: [["name": "get_weather", "arguments": ["city": "a", "units": "c", "days": "three"]]])
        #expect(sub(r, "type_correct")! < 1)
    }

    @Test func schemaOneUnknownKeyOfThree() throws {
        let r = try score(expected: [["name": "get_weather"]],
                          calls: [["name": "get_weather", "arguments": ["city": "a", "units": "c", "zzz": 1]]])
        #expect(abs(sub(r, "no_extra")! - 2.0 / 3.0) < 1e-12)
    }

    @Test func toolWithoutSchemaHasNullSchemaParts() throws {
        let bare: JSONValue = ["type": "function", "function": ["name": "ping"]]
        let r = try score(expected: [["name": "ping"]], calls: [["name": "ping", "arguments": [:]]], tools: [bare])
        #expect(r["subscores"]?["schema"] == .null)
        #expect(r["subscores"]?["required_present"] == .null)
        #expect(r["score"]?.doubleValue == 1, "the schema score never replaces the expected values")
    }

    // Parallel calls and precision
    @Test func parallelCallsAreMatchedOneToOneInAnyOrder() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": ["city": "Paris"]],
                                     ["name": "get_weather", "arguments": ["city": "Rome"]]],
                          calls: [["name": "get_weather", "arguments": ["city": "Rome"]],
                                  ["name": "get_weather", "arguments": ["city": "Paris"]]])
        #expect(r["score"]?.doubleValue == 1)
        #expect(sub(r, "f1") == 1)
    }

    @Test func extraCallsLowerPrecisionOnly() throws {
        let r = try score(expected: [["name": "get_weather", "arguments": ["city": "Paris"]]],
                          calls: [["name": "get_weather", "arguments": ["city": "Paris"]],
                                  ["name": "get_weather", "arguments": ["city": "Paris"]]])
        #expect(sub(r, "precision") == 0.5 && sub(r, "recall") == 1)
        #expect(r["error_type"]?.stringValue == "extra_calls")
    }

    @Test func strictOrderComparesPositions() throws {
        let expected: [JSONValue] = [["name": "a", "arguments": [:]], ["name": "b", "arguments": [:]]]
        let calls: [JSONValue] = [["name": "b", "arguments": [:]], ["name": "a", "arguments": [:]]]
        let strict = try score(expected: expected, calls: calls, tools: [], extra: ["order": "strict"])
        #expect(sub(strict, "tool") == 0)
        let any = try score(expected: expected, calls: calls, tools: [])
        #expect(sub(any, "tool") == 1)
    }

    @Test func multiTurnEfficiencyAndPenalties() throws {
        let settings: JSONValue = ["optimal_hops": 2, "prerequisites": ["search"]]
        // Optimal: search then book, two hops.
        let optimal = try score(expected: [["name": "book", "arguments": ["id": 1]]],
                                calls: [["name": "search", "arguments": [:]], ["name": "book", "arguments": ["id": 1]]],
                                tools: [], extra: ["multi_turn": settings])
        #expect(optimal["score"]?.doubleValue == 1)
        // Four hops with one repeated call and one detour: 1 × 2/4 − 0.1 − 0.1 = 0.3.
        let wandering = try score(expected: [["name": "book", "arguments": ["id": 1]]],
                                  calls: [["name": "search", "arguments": [:]], ["name": "search", "arguments": [:]],
                                          ["name": "weather", "arguments": [:]], ["name": "book", "arguments": ["id": 1]]],
                                  tools: [], extra: ["multi_turn": settings])
        #expect(abs(wandering["score"]!.doubleValue! - 0.3) < 1e-9)
        #expect(wandering["subscores"]?["efficiency"]?.doubleValue == 0.5)
    }

    @Test func malformedCaseIsInvalidInput() throws {
        do {
            _ = try Self.scorer.score(case: ["expected_calls": "nope"], output: ["calls": []])
            Issue.record("accepted a malformed case")
        } catch {
            #expect(error.isInvalidInput)
            #expect(error.message.contains("expected_calls"))
        }
    }
}
