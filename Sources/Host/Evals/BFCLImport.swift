import Foundation
import HostStorage
import StudioJSON

/// BFCL's question and possible-answer files (JSON Lines, docs/evals.md) as a suite.
/// Single-turn categories only; each case carries its own tools (BFCL offers different
/// functions per question), converted from BFCL's schema dialect, and keeps BFCL's own
/// shape (`question`, `function`, `ground_truth`) beside the studio's `expected_calls`.
/// A file that cannot be read is refused naming the line, and nothing is imported;
/// entries the studio cannot run (multi-turn, agentic) are skipped and reported.
public enum BFCLImport {
    public struct Skipped: Sendable {
        public let line: Int
        public let id: String
        public let reason: String
        public var json: JSONValue { ["line": .int(Int64(line)), "id": .string(id), "reason": .string(reason)] }
    }

    public static func suite(name: String, category: String?, questions: String, answers: String?) throws -> (SuiteContents, [Skipped]) {
        var groundTruth: [String: JSONValue] = [:]
        if let answers {
            for (i, line) in answers.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let entry = try? JSONParser.parse(String(line)), let id = entry["id"]?.stringValue else {
                    throw FieldError.invalid("answers", "line \(i + 1) is not a JSON object with an id")
                }
                groundTruth[id] = entry["ground_truth"] ?? .null
            }
        }
        var cases: [(key: String, category: String?, scorer: String, body: String)] = []
        var skipped: [Skipped] = []
        var seen = Set<String>()
        for (i, line) in questions.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let number = i + 1
            guard let entry = try? JSONParser.parse(String(line)), entry.objectValue != nil else {
                throw FieldError.invalid("questions", "line \(number) is not a JSON object")
            }
            guard let id = entry["id"]?.stringValue, !id.isEmpty else { throw FieldError.invalid("questions", "line \(number) has no id") }
            guard seen.insert(id).inserted else { throw FieldError.invalid("questions", "line \(number): id \(id) appears twice") }
            let entryCategory = category ?? Self.category(of: id)
            guard let functions = entry["function"]?.arrayValue else {
                skipped.append(Skipped(line: number, id: id, reason: "no function list (multi-turn or agentic entries are not imported)"))
                continue
            }
            guard let turns = entry["question"]?.arrayValue, turns.count == 1, let messages = turns[0].arrayValue, !messages.isEmpty else {
                skipped.append(Skipped(line: number, id: id, reason: "not a single-turn question"))
                continue
            }
            let irrelevance = entryCategory.contains("irrelevance")
            let truth = groundTruth[id]
            if !irrelevance && !entryCategory.contains("relevance") && truth == nil {
                skipped.append(Skipped(line: number, id: id, reason: "no possible answer for this id"))
                continue
            }
            var tools: [JSONValue] = []
            for (j, function) in functions.enumerated() {
                guard let functionName = function["name"]?.stringValue else {
                    throw FieldError.invalid("questions", "line \(number): function \(j) has no name")
                }
                tools.append(["type": "function", "function": [
                    "name": .string(functionName), "description": function["description"] ?? "",
                    "parameters": convertSchema(function["parameters"] ?? ["type": "dict", "properties": [:]])]])
            }
            let calls: [JSONValue] = truth?.arrayValue ?? []
            let expected: [JSONValue] = calls.compactMap { call -> JSONValue? in
                guard let object = call.objectValue, object.count == 1, let callName = object.keys.first, let params = object[callName] else { return nil }
                var arguments = JSONObject()
                for (param, alternatives) in params.objectValue ?? [:] {
                    let values = alternatives.arrayValue ?? [alternatives]
                    // "" means "may be omitted": the classic rules then leave the key out.
                    if values.contains(.string("")) { continue }
                    arguments[param] = .array(values)
                }
                return ["name": .string(callName), "arguments": .object(arguments)]
            }
            let prompt = messages.last { $0["role"]?.stringValue == "user" }?["content"] ?? ""
            var body: JSONObject = ["id": .string(id), "prompt": prompt, "category": .string(entryCategory), "question": .array(turns),
                                    "tools": .array(tools), "expected_calls": .array(expected), "function": .array(functions)]
            if irrelevance { body["should_call_tool"] = false }
            if let truth { body["ground_truth"] = truth }
            cases.append((id, entryCategory, "toolcall", JSONValue.object(body).jsonString))
        }
        return (SuiteContents(name: name, description: "Imported from BFCL (\(category ?? "by id"))", systemPrompt: "", tools: [], cases: cases),
                skipped)
    }

    /// `simple_python_0` → `simple_python`, `live_multiple_0-0-0` → `live_multiple`.
    static func category(of id: String) -> String {
        var parts = id.split(separator: "_").map(String.init)
        while let last = parts.last, last.first?.isNumber == true { parts.removeLast() }
        return parts.joined(separator: "_")
    }

    /// BFCL's schema dialect → JSON Schema (BFCL's own mapping: dict→object, float→number,
    /// tuple→array, any→string, Java/JS names, a missing type → string), recursively.
    static func convertSchema(_ schema: JSONValue) -> JSONValue {
        guard var object = schema.objectValue else { return schema }
        let mapping = ["dict": "object", "float": "number", "tuple": "array", "any": "string", "HashMap": "object", "String": "string",
                       "Array": "array", "ArrayList": "array", "long": "integer", "Boolean": "boolean", "double": "number",
                       "int": "integer", "bool": "boolean", "list": "array", "str": "string"]
        let type = object["type"]?.stringValue ?? "string"
        object["type"] = .string(mapping[type] ?? type)
        if let properties = object["properties"]?.objectValue {
            var converted = JSONObject()
            for (key, value) in properties { converted[key] = convertSchema(value) }
            object["properties"] = .object(converted)
        }
        if let items = object["items"] { object["items"] = convertSchema(items) }
        return .object(object)
    }
}
