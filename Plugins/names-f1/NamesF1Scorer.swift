// names-f1: precision, recall and F1 over the called tool names (as multisets, case
// sensitive, order ignored); score = F1, passed = F1 == 1. No call expected and none
// made scores 1. A quick, argument-blind view of tool selection (docs/evals.md).

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: NamesF1Scorer.manifest, scorer: NamesF1Scorer.self)
}

public struct NamesF1Scorer: Scorer {
    static let manifest = PluginManifest(
        id: "names-f1", name: "Tool-name F1", version: "0.1.0",
        description: "Precision, recall and F1 of the called tool names against the expected ones.",
        scorer: [
            "reads": ["expected_calls", "should_call_tool"],
            "config_schema": ["type": "object", "additionalProperties": false],
            "subscores": ["precision", "recall", "f1"],
        ])

    public init(config: JSONValue) throws {
        if let key = config.objectValue?.keys.first { throw PluginError.invalidInput("names-f1 takes no configuration, got \"\(key)\"") }
    }

    public func score(case testCase: JSONValue, output: JSONValue) throws -> ScoreResult {
        guard let calls = (output["calls"] ?? .array([])).arrayValue else { throw PluginError.invalidInput("calls must be an array") }
        guard let expectedCalls = (testCase["expected_calls"] ?? .array([])).arrayValue else {
            throw PluginError.invalidInput("expected_calls must be an array")
        }
        let shouldCall = testCase["should_call_tool"]?.boolValue ?? true
        // A name may be a list of acceptable names: the first one called counts.
        var remaining = calls.compactMap { $0["name"]?.stringValue }
        let called = remaining.count
        let expected = shouldCall ? expectedCalls : []
        var matched = 0
        for call in expected {
            let acceptable = call["name"]?.stringValue.map { [$0] } ?? call["name"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if let index = remaining.firstIndex(where: { acceptable.contains($0) }) {
                remaining.remove(at: index)
                matched += 1
            }
        }
        if expected.isEmpty && called == 0 {
            return ScoreResult(score: 1, passed: true, subscores: [("precision", nil), ("recall", nil), ("f1", 1)])
        }
        let precision = called == 0 ? 0 : Double(matched) / Double(called)
        let recall = expected.isEmpty ? 0 : Double(matched) / Double(expected.count)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        let errorType: String? = f1 == 1 ? nil : called == 0 ? "no_call" : expected.isEmpty ? "tool_hallucination" : "wrong_tool"
        return ScoreResult(score: f1, passed: f1 == 1,
                           subscores: [("precision", called == 0 ? nil : precision), ("recall", expected.isEmpty ? nil : recall), ("f1", f1)],
                           errorType: errorType)
    }
}
