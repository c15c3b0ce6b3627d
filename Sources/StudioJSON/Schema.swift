/// Schema shorthands for request bodies: objects refuse unknown fields, strings have
/// lengths, numbers ranges.
public enum Schema {
    public static func object(_ properties: [(String, JSONValue)], required: [String] = []) -> JSONValue {
        var props = JSONObject()
        for (name, schema) in properties { props[name] = schema }
        return ["type": "object", "properties": .object(props), "required": .array(required.map(JSONValue.string)),
                "additionalProperties": false]
    }

    public static func string(min: Int = 0, max: Int = 1000, pattern: String? = nil) -> JSONValue {
        var s: JSONObject = ["type": "string", "minLength": .int(Int64(min)), "maxLength": .int(Int64(max))]
        if let pattern { s["pattern"] = .string(pattern) }
        return .object(s)
    }

    /// A name, email or identifier: no control characters (line breaks, tabs, NUL), which
    /// would be stored as something other than what a person reads. Optionally not blank.
    public static func name(min: Int = 1, max: Int = 200, pattern: String? = nil) -> JSONValue {
        var s: JSONObject = ["type": "string", "minLength": .int(Int64(min)), "maxLength": .int(Int64(max)),
                             "pattern": .string(noControlCharacters)]
        if let pattern { s["allOf"] = [["pattern": .string(pattern)]] }
        return .object(s)
    }

    /// The pattern `name` uses; FieldError words its violation for people.
    public static let noControlCharacters = "^[^\\x00-\\x1F\\x7F]*$"

    public static func nullableString(max: Int = 1000) -> JSONValue {
        ["type": ["string", "null"], "maxLength": .int(Int64(max))]
    }

    public static func integer(_ range: ClosedRange<Int>, nullable: Bool = false) -> JSONValue {
        ["type": nullable ? ["integer", "null"] : "integer", "minimum": .int(Int64(range.lowerBound)),
         "maximum": .int(Int64(range.upperBound))]
    }

    public static func number(min: Double, max: Double, nullable: Bool = false) -> JSONValue {
        ["type": nullable ? ["number", "null"] : "number", "minimum": .double(min), "maximum": .double(max)]
    }

    public static let boolean: JSONValue = ["type": "boolean"]
    public static let anyObject: JSONValue = ["type": "object"]

    public static func array(_ items: JSONValue, max: Int = 1000) -> JSONValue {
        ["type": "array", "items": items, "maxItems": .int(Int64(max))]
    }

    public static func oneOf(_ values: [String]) -> JSONValue {
        ["type": "string", "enum": .array(values.map(JSONValue.string))]
    }
}
