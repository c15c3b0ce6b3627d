// The classic tool-calling rules of docs/evals.md, applied to every call of a case:
// tool selection, parameter accuracy, overall = 0.6 × tool + 0.4 × params (tool alone
// when no params are expected), a schema score reported beside (never instead), call
// precision/recall/F1 with one-to-one best matching of parallel calls, and the
// multi-turn completion × efficiency formula.

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: ToolCallScorer.manifest, scorer: ToolCallScorer.self)
}

public struct ToolCallScorer: Scorer {
    static let manifest = PluginManifest(
        id: "toolcall", name: "Tool call (classic rules)", version: "0.1.0",
        description: "Tool selection, parameter accuracy and schema compliance for every call; multi-turn efficiency.",
        scorer: [
            "reads": ["expected_calls", "should_call_tool", "order", "tools", "multi_turn"],
            "config_schema": ["type": "object", "additionalProperties": false, "properties": [:]],
            "subscores": ["tool", "params", "schema", "required_present", "type_correct", "no_extra",
                          "precision", "recall", "f1", "completion", "efficiency"],
        ])

    public init(config: JSONValue) throws {
        if let object = config.objectValue, let key = object.keys.first {
            throw PluginError.invalidInput("toolcall takes no configuration, got key \"\(key)\"")
        }
    }

    public func score(case testCase: JSONValue, output: JSONValue) throws -> ScoreResult {
        let expected = try ExpectedCall.list(from: testCase)
        let actual = try ActualCall.list(from: output)
        let tools = ToolSchemas(testCase["tools"])
        var result = ToolCallScore.compute(expected: expected, actual: actual,
                                           strictOrder: testCase["order"]?.stringValue == "strict", tools: tools)
        if let multiTurn = testCase["multi_turn"], multiTurn.objectValue != nil {
            result = MultiTurnScore.apply(to: result, settings: multiTurn, actual: actual, output: output)
        }
        return result
    }
}

/// One expected call: acceptable names and, optionally, expected arguments.
struct ExpectedCall {
    let names: [String]
    let arguments: JSONObject?

    static func list(from testCase: JSONValue) throws -> [ExpectedCall] {
        if testCase["should_call_tool"]?.boolValue == false { return [] }
        guard let raw = testCase["expected_calls"] else { return [] }
        guard let items = raw.arrayValue else {
            throw PluginError.invalidInput("case.expected_calls must be an array")
        }
        return try items.enumerated().map { i, item in
            let names: [String]
            if let name = item["name"]?.stringValue {
                names = [name]
            } else if let list = item["name"]?.arrayValue, !list.isEmpty, list.allSatisfy({ $0.stringValue != nil }) {
                names = list.compactMap(\.stringValue)
            } else {
                throw PluginError.invalidInput("case.expected_calls[\(i)].name must be a string or a list of strings")
            }
            let arguments = item["arguments"]
            if let arguments, !arguments.isNull, arguments.objectValue == nil {
                throw PluginError.invalidInput("case.expected_calls[\(i)].arguments must be an object")
            }
            return ExpectedCall(names: names, arguments: arguments?.objectValue)
        }
    }

    func nameMatches(_ name: String) -> Bool {
        names.contains { $0.lowercased() == name.lowercased() }
    }
}

/// One call the model made, from the normalized output.
struct ActualCall {
    let name: String
    /// nil when the model's arguments could not be parsed (kept raw by the host).
    let arguments: JSONObject?

    static func list(from output: JSONValue) throws -> [ActualCall] {
        guard let calls = output["calls"] else { return [] }
        guard let items = calls.arrayValue else { throw PluginError.invalidInput("output.calls must be an array") }
        return try items.enumerated().map { i, item in
            guard let name = item["name"]?.stringValue else {
                throw PluginError.invalidInput("output.calls[\(i)].name must be a string")
            }
            switch item["arguments"] {
            case .object(let object)?: return ActualCall(name: name, arguments: object)
            case .null?, nil: return ActualCall(name: name, arguments: JSONObject())
            case .string(let text)?:
                // Arguments still encoded as the provider's JSON string.
                if text.isEmpty { return ActualCall(name: name, arguments: JSONObject()) }
                return ActualCall(name: name, arguments: (try? JSONParser.parse(text))?.objectValue)
            default:
                return ActualCall(name: name, arguments: nil)
            }
        }
    }
}

/// The suite's tools, by name (case-insensitive), for the schema score.
struct ToolSchemas {
    private var byName: [String: JSONValue] = [:]

    init(_ tools: JSONValue?) {
        for tool in tools?.arrayValue ?? [] {
            let function = tool["function"] ?? tool
            guard let name = function["name"]?.stringValue else { continue }
            byName[name.lowercased()] = function["parameters"] ?? function["input_schema"] ?? function["inputSchema"] ?? .null
        }
    }

    var isEmpty: Bool { byName.isEmpty }
    func contains(_ name: String) -> Bool { byName[name.lowercased()] != nil }
    func parameters(_ name: String) -> JSONValue? {
        guard let schema = byName[name.lowercased()], !schema.isNull else { return nil }
        return schema
    }
}
