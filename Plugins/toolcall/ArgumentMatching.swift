import PluginKit

// How one expected argument value is compared with what the model sent (docs/evals.md):
// - a literal: strings case-insensitively, numbers by value (5 matches 5.0), arrays and
//   objects element by element with the same rules;
// - a list: any one of its elements, each a literal or a matcher;
// - a matcher object: {"$match": KIND, "value": V, "epsilon": E} or the shorthand
//   {KIND: V} (plus "epsilon" for numeric_tolerance), KIND one of exact,
//   case_insensitive, contains, regex, numeric_tolerance.
// A literal array therefore has to be written as {"exact": [..]}, since a bare list
// means "one of these".

enum ArgumentMatcher {
    static let kinds: Set<String> = ["exact", "case_insensitive", "contains", "regex", "numeric_tolerance"]

    /// True when `actual` satisfies the expected specification.
    static func matches(expected: JSONValue, actual: JSONValue) -> Bool {
        if case .array(let alternatives) = expected {
            return alternatives.contains { matchesOne(expected: $0, actual: actual) }
        }
        return matchesOne(expected: expected, actual: actual)
    }

    private static func matchesOne(expected: JSONValue, actual: JSONValue) -> Bool {
        if let (kind, value, epsilon) = matcher(expected) {
            switch kind {
            case "exact":
                return strictEqual(value, actual)
            case "case_insensitive":
                return looseEqual(value, actual)
            case "contains":
                guard let needle = value.stringValue, let hay = actual.stringValue else { return false }
                return hay.lowercased().contains(needle.lowercased())
            case "regex":
                guard let pattern = value.stringValue, let text = actual.stringValue,
                      let regex = try? Regex(pattern) else { return false }
                return (try? regex.wholeMatch(in: text)) != nil || (try? regex.firstMatch(in: text)) != nil
            case "numeric_tolerance":
                guard let target = value.doubleValue, let got = numeric(actual) else { return false }
                return abs(target - got) <= (epsilon ?? 1e-9)
            default:
                return false
            }
        }
        return looseEqual(expected, actual)
    }

    /// Recognizes a matcher object; nil for plain literals.
    static func matcher(_ value: JSONValue) -> (String, JSONValue, Double?)? {
        guard case .object(let object) = value else { return nil }
        if let kind = object["$match"]?.stringValue, kinds.contains(kind) {
            return (kind, object["value"] ?? .null, object["epsilon"]?.doubleValue)
        }
        let keys = Set(object.keys).subtracting(["epsilon"])
        guard keys.count == 1, let kind = keys.first, kinds.contains(kind) else { return nil }
        if object["epsilon"] != nil && kind != "numeric_tolerance" { return nil }
        return (kind, object[kind]!, object["epsilon"]?.doubleValue)
    }

    /// The default comparison: case-insensitive strings, numbers by value, recursive.
    static func looseEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)):
            return x.lowercased() == y.lowercased()
        case (.int, _), (.double, _):
            guard let x = a.doubleValue, let y = numeric(b) else { return false }
            return x == y
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { looseEqual($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { looseEqual(value, $0) } ?? false }
        default:
            return a == b
        }
    }

    /// Exact comparison: strings by case, numbers still by value.
    static func strictEqual(_ a: JSONValue, _ b: JSONValue) -> Bool { a == b }

    /// Numbers only: a string that spells a number ("5") is a type mistake, not a match.
    private static func numeric(_ value: JSONValue) -> Double? { value.doubleValue }
}
