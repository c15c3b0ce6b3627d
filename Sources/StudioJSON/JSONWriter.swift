// Serializes JSONValue as compact (or indented) UTF-8 JSON, keys in insertion order.
// Non-finite doubles have no JSON form and are written as null.

extension JSONValue {
    /// Compact JSON text.
    public var jsonString: String {
        var out = ""
        write(to: &out, indent: nil, level: 0)
        return out
    }

    /// Indented JSON text (two spaces), for files people read.
    public var prettyJSONString: String {
        var out = ""
        write(to: &out, indent: "  ", level: 0)
        return out
    }

    private func write(to out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                JSONValue.newline(&out, indent, level + 1)
                item.write(to: &out, indent: indent, level: level + 1)
            }
            JSONValue.newline(&out, indent, level)
            out += "]"
        case .object(let object):
            if object.isEmpty { out += "{}"; return }
            out += "{"
            var first = true
            for (key, value) in object {
                if !first { out += "," }
                first = false
                JSONValue.newline(&out, indent, level + 1)
                JSONValue.writeString(key, to: &out)
                out += indent == nil ? ":" : ": "
                value.write(to: &out, indent: indent, level: level + 1)
            }
            JSONValue.newline(&out, indent, level)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: String?, _ level: Int) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    /// Shortest text that reads back as the same Double; integral values keep ".0" so a
    /// float stays a float through a round trip.
    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return d.description  // Swift prints "5.0", "1e-05", "1e+20": all valid JSON numbers
    }

    /// Appends `s` quoted. Runs that need no escape (nearly all text) are appended whole;
    /// escaping works on the UTF-8 bytes, where every character to escape is one ASCII byte.
    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        let utf8 = s.utf8
        var runStart = utf8.startIndex
        var i = runStart
        while i != utf8.endIndex {
            let byte = utf8[i]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { utf8.formIndex(after: &i); continue }
            // An ASCII byte is always a scalar boundary, so the run is a valid slice.
            if runStart != i { out += s[runStart..<i] }
            switch byte {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            default:
                let hex = String(byte, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
            utf8.formIndex(after: &i)
            runStart = i
        }
        if runStart != utf8.endIndex { out += s[runStart...] }
        out += "\""
    }
}
