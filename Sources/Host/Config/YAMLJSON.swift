import StudioJSON
import Yams

/// YAML → JSONValue, with YAML's plain scalars typed the JSON way (null, booleans,
/// integers, floats) and quoted scalars always strings. Errors name the line.
public enum YAMLJSON {
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public static func parse(_ text: String) throws(Invalid) -> JSONValue {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw Invalid(description: "not valid YAML: \(error)")
        }
        guard let node else { return .object([:]) }
        return try convert(node)
    }

    static func convert(_ node: Node) throws(Invalid) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            let s = scalar.string
            switch s {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default:
                if let i = Int64(s) { return .int(i) }
                if s.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let d = Double(s), d.isFinite { return .double(d) }
                return .string(s)
            }
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard let name = key.string else { throw Invalid(description: "line \(key.mark?.line ?? 0): mapping keys must be strings") }
                object[name] = try convert(value)
            }
            return .object(object)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try convert(item)) }
            return .array(items)
        case .alias:
            throw Invalid(description: "YAML aliases are not supported in studio configuration")
        }
    }
}
