// A JSON Schema validator for the subset the studio uses: plugin manifests, tool
// parameter schemas (OpenAI function format) and the `schema` scorer.
// Keywords: type, enum, const, properties, required, additionalProperties, items,
// prefixItems, minItems, maxItems, uniqueItems, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, multipleOf, minLength, maxLength, pattern, anyOf, oneOf, allOf, not,
// and local $ref ("#/$defs/x", "#/definitions/x"). Unknown keywords are ignored, as the
// specification says. Formats are not asserted.

public struct JSONSchema: Sendable {
    public let root: JSONValue

    public init(_ root: JSONValue) { self.root = root }

    public init(parsing text: String) throws(JSONParseError) { self.root = try JSONParser.parse(text) }

    /// Every violation found (empty when the value is valid).
    public func validate(_ value: JSONValue) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        check(value, against: root, path: "", into: &violations, depth: 0)
        return violations
    }

    public func isValid(_ value: JSONValue) -> Bool { validate(value).isEmpty }

    private func check(_ value: JSONValue, against schema: JSONValue, path: String,
                       into violations: inout [SchemaViolation], depth: Int) {
        guard depth < 64 else {
            violations.append(.init(path: path, message: "schema nested too deeply (recursive $ref?)"))
            return
        }
        if case .bool(let allowed) = schema {
            if !allowed { violations.append(.init(path: path, message: "no value is allowed here")) }
            return
        }
        guard case .object(let s) = schema else { return }

        if let ref = s["$ref"]?.stringValue {
            if let target = resolve(ref) {
                check(value, against: target, path: path, into: &violations, depth: depth + 1)
            } else {
                violations.append(.init(path: path, message: "unresolvable $ref \(ref)"))
            }
        }

        if let type = s["type"] {
            let names: [String] = type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue) ?? []
            if !names.isEmpty, !names.contains(where: { JSONSchema.value(value, hasType: $0) }) {
                violations.append(.init(path: path, message: "expected \(names.joined(separator: " or ")), got \(value.typeName)"))
                return  // further keywords would only repeat the type error
            }
        }
        if let options = s["enum"]?.arrayValue, !options.contains(where: { JSONSchema.same(value, $0) }) {
            violations.append(.init(path: path, message: "not one of the allowed values \(JSONValue.array(options).jsonString)"))
        }
        if let constant = s["const"], !JSONSchema.same(value, constant) {
            violations.append(.init(path: path, message: "must equal \(constant.jsonString)"))
        }

        switch value {
        case .object(let object):
            checkObject(object, s, path: path, into: &violations, depth: depth)
        case .array(let items):
            checkArray(items, s, path: path, into: &violations, depth: depth)
        case .string(let string):
            let length = string.unicodeScalars.count
            if let min = s["minLength"]?.intValue, length < min {
                violations.append(.init(path: path, message: "shorter than \(min) characters"))
            }
            if let max = s["maxLength"]?.intValue, length > max {
                violations.append(.init(path: path, message: "longer than \(max) characters"))
            }
            if let pattern = s["pattern"]?.stringValue {
                if let regex = try? Regex(pattern) {
                    if (try? regex.firstMatch(in: string)) == nil {
                        violations.append(.init(path: path, message: "does not match pattern \(pattern)"))
                    }
                } else {
                    violations.append(.init(path: path, message: "schema pattern \(pattern) is not a valid regular expression"))
                }
            }
        case .int, .double:
            let number = value.doubleValue!
            if let min = s["minimum"]?.doubleValue, number < min {
                violations.append(.init(path: path, message: "less than the minimum \(min)"))
            }
            if let max = s["maximum"]?.doubleValue, number > max {
                violations.append(.init(path: path, message: "greater than the maximum \(max)"))
            }
            if let min = s["exclusiveMinimum"]?.doubleValue, number <= min {
                violations.append(.init(path: path, message: "not greater than \(min)"))
            }
            if let max = s["exclusiveMaximum"]?.doubleValue, number >= max {
                violations.append(.init(path: path, message: "not less than \(max)"))
            }
            if let step = s["multipleOf"]?.doubleValue, step > 0 {
                let ratio = number / step
                if abs(ratio - ratio.rounded()) > 1e-9 {
                    violations.append(.init(path: path, message: "not a multiple of \(step)"))
                }
            }
        default:
            break
        }

        if let all = s["allOf"]?.arrayValue {
            for sub in all { check(value, against: sub, path: path, into: &violations, depth: depth + 1) }
        }
        if let any = s["anyOf"]?.arrayValue, !any.contains(where: { passes(value, $0, depth) }) {
            violations.append(.init(path: path, message: "matches none of the anyOf alternatives"))
        }
        if let one = s["oneOf"]?.arrayValue {
            let matches = one.filter { passes(value, $0, depth) }.count
            if matches != 1 {
                violations.append(.init(path: path, message: "matches \(matches) of the oneOf alternatives, not exactly one"))
            }
        }
        if let not = s["not"], passes(value, not, depth) {
            violations.append(.init(path: path, message: "matches a schema it must not match"))
        }
    }

    private func checkObject(_ object: JSONObject, _ s: JSONObject, path: String,
                             into violations: inout [SchemaViolation], depth: Int) {
        let properties = s["properties"]?.objectValue ?? JSONObject()
        for name in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            violations.append(.init(path: path, message: "missing required property \"\(name)\""))
        }
        for (key, member) in object {
            let memberPath = path + "/" + JSONSchema.escapePointer(key)
            if let sub = properties[key] {
                check(member, against: sub, path: memberPath, into: &violations, depth: depth + 1)
            } else if let additional = s["additionalProperties"] {
                if case .bool(false) = additional {
                    violations.append(.init(path: memberPath, message: "property \"\(key)\" is not allowed"))
                } else {
                    check(member, against: additional, path: memberPath, into: &violations, depth: depth + 1)
                }
            }
        }
        if let min = s["minProperties"]?.intValue, object.count < min {
            violations.append(.init(path: path, message: "fewer than \(min) properties"))
        }
    }

    private func checkArray(_ items: [JSONValue], _ s: JSONObject, path: String,
                            into violations: inout [SchemaViolation], depth: Int) {
        let prefix = s["prefixItems"]?.arrayValue ?? []
        for (i, item) in items.enumerated() {
            let itemPath = path + "/\(i)"
            if i < prefix.count {
                check(item, against: prefix[i], path: itemPath, into: &violations, depth: depth + 1)
            } else if let sub = s["items"] {
                check(item, against: sub, path: itemPath, into: &violations, depth: depth + 1)
            }
        }
        if let min = s["minItems"]?.intValue, items.count < min {
            violations.append(.init(path: path, message: "fewer than \(min) items"))
        }
        if let max = s["maxItems"]?.intValue, items.count > max {
            violations.append(.init(path: path, message: "more than \(max) items"))
        }
        if s["uniqueItems"]?.boolValue == true {
            for i in items.indices {
                for j in items.indices where j > i && JSONSchema.same(items[i], items[j]) {
                    violations.append(.init(path: path, message: "items \(i) and \(j) are equal"))
                    return
                }
            }
        }
    }

    private func passes(_ value: JSONValue, _ schema: JSONValue, _ depth: Int) -> Bool {
        var scratch: [SchemaViolation] = []
        check(value, against: schema, path: "", into: &scratch, depth: depth + 1)
        return scratch.isEmpty
    }

    private func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#") else { return nil }
        var node = root
        for raw in ref.dropFirst().split(separator: "/") {
            let token = String(raw).replacing("~1", with: "/").replacing("~0", with: "~")
            if case .object(let o) = node, let next = o[token] {
                node = next
            } else if case .array(let a) = node, let i = Int(token), a.indices.contains(i) {
                node = a[i]
            } else {
                return nil
            }
        }
        return node
    }

    /// JSON Schema's type test: an integral float counts as "integer".
    public static func value(_ value: JSONValue, hasType type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object):
            return true
        case ("number", .int), ("number", .double), ("integer", .int):
            return true
        case ("integer", .double(let d)):
            return d.isFinite && d.rounded() == d
        default:
            return false
        }
    }

    /// enum/const equality: numbers by value, booleans never equal to numbers.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool { a == b }

    static func escapePointer(_ key: String) -> String {
        key.replacing("~", with: "~0").replacing("/", with: "~1")
    }
}
