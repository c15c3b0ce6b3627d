// tool-names: did the model pick the right tools? Arguments are not looked at.
//   score  = |expected names ∩ called names| / max(|expected|, |called|)   (names as sets)
//   passed = score == 1; no call expected and none made = 1.
// Replace `score` with your rule; the manifest says what the scorer reads and reports.

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: ToolNames.manifest, scorer: ToolNames.self)
}

public struct ToolNames: Scorer {
    static let manifest = PluginManifest(
        id: "tool-names", name: "Tool names (Swift template)", version: "0.1.0",
        description: "The right tools were called; arguments are not compared.",
        scorer: [
            "reads": ["expected_calls"],
            "config_schema": ["type": "object", "additionalProperties": false],
            "subscores": ["precision", "recall"],
        ])

    public init(config: JSONValue) throws {
        if let key = config.objectValue?.keys.first {
            throw PluginError.invalidInput("tool-names takes no configuration, got \"\(key)\"")
        }
    }

    public func score(case testCase: JSONValue, output: JSONValue) throws -> ScoreResult {
        guard let expected = (testCase["expected_calls"] ?? .array([])).arrayValue else {
            throw PluginError.invalidInput("expected_calls must be an array")
        }
        guard let calls = (output["calls"] ?? .array([])).arrayValue else {
            throw PluginError.invalidInput("calls must be an array")
        }
        let want = Set(expected.compactMap { $0["name"]?.stringValue })
        let got = Set(calls.compactMap { $0["name"]?.stringValue })
        if want.isEmpty && got.isEmpty { return ScoreResult(score: 1, passed: true, subscores: [("precision", 1), ("recall", 1)]) }
        let common = Double(want.intersection(got).count)
        let score = common / Double(max(want.count, got.count))
        return ScoreResult(score: score, passed: score == 1,
                           subscores: [("precision", got.isEmpty ? nil : common / Double(got.count)),
                                       ("recall", want.isEmpty ? nil : common / Double(want.count))],
                           errorType: score == 1 ? nil : (got.isEmpty ? "no_call" : "wrong_tool"))
    }
}
