// bfcl: the Berkeley Function Calling Leaderboard's AST rules (reference/bfcl.md §1.5,
// ast_checker.py in bfcl-eval 2026.3.23) for the single-turn Python categories, ported
// rule for rule so that our verdicts agree with BFCL's own checker (BFCLAgreementTests):
// exact function names, required parameters, no unexpected parameters, Python's types
// (int promoted to float only, bool strict, one level of nested type checks, the
// "variable" escape), BFCL's string normalization, lists in order, one-level dicts,
// optional parameters via "", parallel calls matched greedily in any order, irrelevance
// = no call. Each case scores 0 or 1 with BFCL's error type.
//
// Cases are in BFCL's shape: {id, category, function, ground_truth} (what the studio's
// BFCL import keeps); outputs are the studio's normalized {calls: [{name, arguments}]},
// names as the suite spells them (dotted names already mapped back).

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: BFCLScorer.manifest, scorer: BFCLScorer.self)
}

public struct BFCLScorer: Scorer {
    static let manifest = PluginManifest(
        id: "bfcl", name: "BFCL AST checker", version: "0.1.0",
        description: "Berkeley Function Calling Leaderboard AST rules (single-turn Python categories), with BFCL's error types.",
        scorer: [
            "reads": ["category", "function", "ground_truth"],
            "config_schema": ["type": "object", "additionalProperties": false],
            "subscores": [],
        ])

    public init(config: JSONValue) throws {
        if let key = config.objectValue?.keys.first { throw PluginError.invalidInput("bfcl takes no configuration, got \"\(key)\"") }
    }

    public func score(case given: JSONValue, output: JSONValue) throws -> ScoreResult {
        let testCase = Self.bfclShape(given)
        let category = testCase["category"]?.stringValue ?? ""
        guard let calls = (output["calls"] ?? .array([])).arrayValue else { throw PluginError.invalidInput("calls must be an array") }
        // The model output as BFCL decodes it: [{name: {params}}]; arguments that are not an
        // object mean BFCL's decoder failed.
        var decoded: [(name: String, params: JSONObject)] = []
        var decodeFailed = false
        for call in calls {
            guard let name = call["name"]?.stringValue, let params = call["arguments"]?.objectValue else { decodeFailed = true; break }
            decoded.append((name, params))
        }
        if category.contains("irrelevance") {
            return Self.result(decodeFailed || decoded.isEmpty ? .valid : .invalid("irrelevance_error:decoder_success", "a call was made"))
        }
        if category == "live_relevance" {
            return Self.result(!decodeFailed && !decoded.isEmpty ? .valid : .invalid("relevance_error:decoder_failed", "no call was made"))
        }
        if decodeFailed { return Self.result(.invalid("ast_decoder:decoder_failed", "the arguments are not a JSON object")) }
        guard let functions = testCase["function"]?.arrayValue else { throw PluginError.invalidInput("the case has no BFCL function list") }
        guard let answers = testCase["ground_truth"]?.arrayValue else { throw PluginError.invalidInput("the case has no BFCL ground_truth") }
        return Self.result(Checker.check(functions: functions, output: decoded, answers: answers, category: category))
    }

    /// A studio-shaped case (tools in JSON Schema, expected_calls) in BFCL's shape, so the
    /// scorer also grades native suites: each expected value becomes the only acceptable
    /// one; no expected call means an irrelevance case, several a parallel one.
    static func bfclShape(_ testCase: JSONValue) -> JSONValue {
        guard testCase["ground_truth"] == nil || testCase["function"] == nil, var object = testCase.objectValue else { return testCase }
        let expected = testCase["expected_calls"]?.arrayValue ?? []
        if object["function"] == nil {
            object["function"] = .array((testCase["tools"]?.arrayValue ?? []).compactMap { $0["function"] })
        }
        if object["ground_truth"] == nil {
            object["ground_truth"] = .array(expected.compactMap { call -> JSONValue? in
                guard let name = call["name"]?.stringValue else { return nil }
                var params = JSONObject()
                for (key, value) in call["arguments"]?.objectValue ?? [:] { params[key] = .array([value]) }
                return .object([name: .object(params)])
            })
        }
        if testCase["category"]?.stringValue == nil || !(testCase["category"]?.stringValue ?? "").contains("_") {
            let shouldCall = testCase["should_call_tool"]?.boolValue ?? !expected.isEmpty
            object["category"] = .string(!shouldCall ? "irrelevance" : expected.count > 1 ? "parallel" : "simple")
        }
        return .object(object)
    }

    static func result(_ verdict: Verdict) -> ScoreResult {
        switch verdict {
        case .valid:
            return ScoreResult(score: 1, passed: true, details: ["valid": true])
        case .invalid(let type, let message):
            return ScoreResult(score: 0, passed: false, errorType: type, details: ["valid": false, "error": .string(message)])
        }
    }
}

enum Verdict: Equatable {
    case valid
    case invalid(String, String)
    var isValid: Bool { self == .valid }
}

/// ast_checker.py, function for function.
enum Checker {
    // BFCL's names, plus the JSON Schema ones of studio-shaped cases (object, number).
    static let typeMapping: [String: String] = ["string": "str", "integer": "int", "float": "float", "boolean": "bool",
                                                "array": "list", "tuple": "list", "dict": "dict", "any": "str",
                                                "object": "dict", "number": "float"]
    static let nestedTypes: Set<String> = ["array", "tuple"]

    static func check(functions: [JSONValue], output: [(name: String, params: JSONObject)], answers: [JSONValue], category: String) -> Verdict {
        if category.contains("parallel") {
            guard output.count == answers.count else { return .invalid("parallel_function_checker_no_order:wrong_count", "Wrong number of functions.") }
            var matched: [Int] = []
            for answer in answers {
                guard let expectedName = answer.objectValue?.keys.first else { return .invalid("parallel_function_checker_no_order:cannot_find_match", "bad answer") }
                let description = functions.first { $0["name"]?.stringValue == expectedName }
                var found = false
                for index in output.indices where !matched.contains(index) {
                    if simple(description, output[index], answer).isValid {
                        matched.append(index)
                        found = true
                        break
                    }
                }
                if !found { return .invalid("parallel_function_checker_no_order:cannot_find_match", "no match for \(expectedName)") }
            }
            return .valid
        }
        if category.contains("multiple") {
            guard output.count == answers.count, let answer = answers.first, let expectedName = answer.objectValue?.keys.first else {
                return .invalid("multiple_function_checker:wrong_count", "Wrong number of functions.")
            }
            return simple(functions.first { $0["name"]?.stringValue == expectedName }, output[0], answer)
        }
        guard output.count == 1, let answer = answers.first else { return .invalid("simple_function_checker:wrong_count", "Wrong number of functions.") }
        return simple(functions.first, output[0], answer)
    }

    static func simple(_ description: JSONValue?, _ call: (name: String, params: JSONObject), _ answer: JSONValue) -> Verdict {
        guard let description, let possibleAll = answer.objectValue, let only = possibleAll.keys.first,
              let possible = possibleAll[only]?.objectValue else {
            return .invalid("simple_function_checker:unclear", "no function description")
        }
        let name = description["name"]?.stringValue ?? ""
        let details = description["parameters"]?["properties"]?.objectValue ?? JSONObject()
        let required = description["parameters"]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard call.name == name else { return .invalid("simple_function_checker:wrong_func_name", "Function name '\(name)' not found in model output.") }
        let params = call.params
        for param in required where params[param] == nil {
            return .invalid("simple_function_checker:missing_required", "Missing required parameter: '\(param)'.")
        }
        for (param, original) in params {
            guard let detail = details[param], let alternatives = possible[param]?.arrayValue else {
                return .invalid("simple_function_checker:unexpected_param", "Unexpected parameter: '\(param)'.")
            }
            let typeDescription = detail["type"]?.stringValue ?? ""
            guard let expected = typeMapping[typeDescription] else { return .invalid("type_error:simple", "unknown type \(typeDescription)") }
            var nested: String? = nil
            if nestedTypes.contains(typeDescription) {
                nested = detail["items"]?["type"]?.stringValue.flatMap { typeMapping[$0] }
            }
            var value = original
            if typeDescription == "float" || typeDescription == "number", case .int(let i) = value { value = .double(Double(i)) }  // int → float
            let typed = typeCheck(value: value, possible: alternatives, expected: expected, nested: nested)
            guard typed.valid else { return .invalid(typed.errorType, "Incorrect type for parameter '\(param)'.") }
            if !typed.isVariable {
                if expected == "dict" {
                    let verdict = dictCheck(value, alternatives)
                    if !verdict.isValid { return verdict }
                    continue
                } else if expected == "list" && nested == "dict" {
                    let verdict = listDictCheck(value, alternatives)
                    if !verdict.isValid { return verdict }
                    continue
                } else if expected == "str" {
                    let verdict = stringCheck(value, alternatives)
                    if !verdict.isValid { return verdict }
                    continue
                } else if expected == "list" {
                    let verdict = listCheck(value, alternatives)
                    if !verdict.isValid { return verdict }
                    continue
                }
            }
            if !alternatives.contains(where: { pyEqual(value, $0) }) {
                return .invalid("value_error:others", "Invalid value for parameter '\(param)'.")
            }
        }
        for (param, alternatives) in possible where params[param] == nil && !(alternatives.arrayValue ?? []).contains(.string("")) {
            return .invalid("simple_function_checker:missing_optional", "Optional parameter '\(param)' not provided and not marked as optional.")
        }
        return .valid
    }

    struct TypeResult { var valid = true; var isVariable = false; var errorType = "type_error:simple" }

    static func typeCheck(value: JSONValue, possible: [JSONValue], expected: String, nested: String?) -> TypeResult {
        var result = TypeResult()
        var isVariable = false
        let answerType = possible.first { !pyEqual($0, .string("")) }.map(pyType)
        if let answerType, answerType != expected { isVariable = true }
        if pyType(value) == expected {
            guard let nested else {
                result.isVariable = isVariable
                return result
            }
            for item in possible {
                var flag = true
                if pyType(item) == "list", case .array(let inner) = item, case .array(let values) = value {
                    for element in values where !typeCheck(value: element, possible: inner, expected: nested, nested: nil).valid {
                        flag = false
                        break
                    }
                }
                if flag { return TypeResult(valid: true, isVariable: isVariable) }
            }
            result.valid = false
            result.errorType = "type_error:nested"
        }
        if let answerType, pyType(value) == answerType {
            result.isVariable = true
            return result
        }
        result.valid = false
        result.errorType = "type_error:simple"
        return result
    }

    /// Remove spaces and , . / - _ * ^, lowercase, ' → ".
    static func standardize(_ text: String) -> String {
        String(String(text.filter { !" ,./-_*^".contains($0) }).lowercased().map { $0 == "'" ? "\"" : $0 })
    }

    static func stringCheck(_ value: JSONValue, _ alternatives: [JSONValue]) -> Verdict {
        guard case .string(let text) = value else { return .invalid("value_error:string", "not a string") }
        let wanted = alternatives.compactMap { $0.stringValue.map(standardize) }
        return wanted.contains(standardize(text)) ? .valid : .invalid("value_error:string", "Invalid value \(text).")
    }

    static func listCheck(_ value: JSONValue, _ alternatives: [JSONValue]) -> Verdict {
        guard case .array(let items) = value else { return .invalid("value_error:list/tuple", "not a list") }
        let standardized = items.map { item -> JSONValue in if case .string(let s) = item { return .string(standardize(s)) } else { return item } }
        for alternative in alternatives {
            // Python: len("") is 0, so an optional "" stands for the empty list.
            let candidate: [JSONValue]
            switch alternative {
            case .array(let list): candidate = list.map { if case .string(let s) = $0 { return .string(standardize(s)) } else { return $0 } }
            case .string(let s) where s.isEmpty: candidate = []
            default: continue
            }
            if pyEqual(.array(standardized), .array(candidate)) { return .valid }
        }
        return .invalid("value_error:list/tuple", "Invalid value for a list parameter.")
    }

    static func dictCheck(_ value: JSONValue, _ alternatives: [JSONValue]) -> Verdict {
        guard case .object(let output) = value else { return .invalid("dict_checker:unclear", "not a dict") }
        var result = Verdict.invalid("dict_checker:unclear", "no acceptable dict")
        for alternative in alternatives {
            if pyEqual(alternative, .string("")) { continue }
            guard let possible = alternative.objectValue else { continue }
            var flag = true
            for (key, item) in output {
                guard let options = possible[key]?.arrayValue else {
                    result = .invalid("value_error:dict_key", "Unexpected dict key parameter: '\(key)'.")
                    flag = false
                    break
                }
                let standardized: JSONValue = item.stringValue.map { .string(standardize($0)) } ?? item
                let candidates = options.map { option -> JSONValue in option.stringValue.map { .string(standardize($0)) } ?? option }
                if !candidates.contains(where: { pyEqual(standardized, $0) }) {
                    result = .invalid("value_error:dict_value", "Invalid value for parameter '\(key)'.")
                    flag = false
                    break
                }
            }
            if flag {
                for (key, options) in possible where output[key] == nil && !(options.arrayValue ?? []).contains(.string("")) {
                    result = .invalid("value_error:dict_key", "Missing dict key parameter: '\(key)'.")
                    flag = false
                    break
                }
            }
            if flag { return .valid }
        }
        return result
    }

    static func listDictCheck(_ value: JSONValue, _ alternatives: [JSONValue]) -> Verdict {
        guard case .array(let dicts) = value else { return .invalid("list_dict_checker:unclear", "not a list") }
        var result = Verdict.invalid("list_dict_checker:unclear", "no acceptable list")
        for alternative in alternatives {
            let expected: [JSONValue]
            switch alternative {
            case .array(let list): expected = list
            case .string(let s) where s.isEmpty: expected = []
            default: continue
            }
            guard dicts.count == expected.count else {
                result = .invalid("value_error:list_dict_count", "Wrong number of dictionaries in the list.")
                continue
            }
            var flag = true
            for (i, dict) in dicts.enumerated() {
                result = dictCheck(dict, [expected[i]])
                if !result.isValid { flag = false; break }
            }
            if flag { return .valid }
        }
        return result
    }

    /// Python's type() name for a JSON value as json.loads builds it.
    static func pyType(_ value: JSONValue) -> String {
        switch value {
        case .string: return "str"
        case .int: return "int"
        case .double: return "float"
        case .bool: return "bool"
        case .array: return "list"
        case .object: return "dict"
        case .null: return "NoneType"
        }
    }

    /// Python's ==: numbers and booleans by value across int/float/bool, containers deeply.
    static func pyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func number(_ v: JSONValue) -> Double? {
            switch v {
            case .int(let i): return Double(i)
            case .double(let d): return d
            case .bool(let b): return b ? 1 : 0
            default: return nil
            }
        }
        if let x = number(a), let y = number(b) { return x == y }
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.null, .null): return true
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { pyEqual($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { pyEqual(value, $0) } ?? false }
        default: return false
        }
    }
}
