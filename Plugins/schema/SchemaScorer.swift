// schema: every call names a tool of the case (or suite) and its arguments validate
// against that tool's JSON Schema (docs/evals.md). score = valid calls / calls; passed = every
// call valid. No call: 1 when none was expected, 0 when one was. Says nothing about
// whether the right tool or values were chosen: pair it with toolcall or bfcl.

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: SchemaScorer.manifest, scorer: SchemaScorer.self)
}

public struct SchemaScorer: Scorer {
    static let manifest = PluginManifest(
        id: "schema", name: "Schema validity", version: "0.1.0",
        description: "Every call names an offered tool and its arguments validate against the tool's JSON Schema.",
        scorer: [
            "reads": ["tools", "expected_calls", "should_call_tool"],
            "config_schema": ["type": "object", "additionalProperties": false],
            "subscores": ["valid_calls", "calls"],
        ])

    public init(config: JSONValue) throws {
        if let key = config.objectValue?.keys.first { throw PluginError.invalidInput("schema takes no configuration, got \"\(key)\"") }
    }

    public func score(case testCase: JSONValue, output: JSONValue) throws -> ScoreResult {
        guard let calls = (output["calls"] ?? .array([])).arrayValue else { throw PluginError.invalidInput("calls must be an array") }
        var schemas: [String: JSONValue] = [:]
        for tool in testCase["tools"]?.arrayValue ?? [] {
            let function = tool["function"] ?? tool
            if let name = function["name"]?.stringValue { schemas[name] = function["parameters"] ?? ["type": "object"] }
        }
        guard !calls.isEmpty else {
            // No call: valid when none was expected; a required call that never came is not.
            let expected = (testCase["should_call_tool"]?.boolValue ?? true) && !(testCase["expected_calls"]?.arrayValue?.isEmpty ?? true)
            return ScoreResult(score: expected ? 0 : 1, passed: !expected, subscores: [("valid_calls", 0), ("calls", 0)],
                               errorType: expected ? "no_call" : nil)
        }
        var valid = 0
        var problems: [JSONValue] = []
        var errorType: String?
        for (i, call) in calls.enumerated() {
            let name = call["name"]?.stringValue ?? ""
            guard let schema = schemas[name] else {
                problems.append(["call": .int(Int64(i)), "problem": .string("\(name) is not an offered tool")])
                errorType = errorType ?? "tool_hallucination"
                continue
            }
            guard let arguments = call["arguments"], arguments.objectValue != nil else {
                problems.append(["call": .int(Int64(i)), "problem": "the arguments are not a JSON object"])
                errorType = errorType ?? "invalid_invocation"
                continue
            }
            let violations = JSONSchema(schema).validate(arguments)
            if violations.isEmpty {
                valid += 1
            } else {
                problems.append(["call": .int(Int64(i)), "problem": .array(violations.prefix(5).map { .string($0.description) })])
                errorType = errorType ?? "argument_hallucination"
            }
        }
        let score = Double(valid) / Double(calls.count)
        return ScoreResult(score: score, passed: valid == calls.count,
                           subscores: [("valid_calls", Double(valid)), ("calls", Double(calls.count))],
                           errorType: valid == calls.count ? nil : errorType, details: ["problems": .array(problems)])
    }
}
