/// CSV as every export of the studio writes it (RFC 4180, CRLF line ends): numbers
/// unformatted, null empty, text quoted when it must be, and text that a spreadsheet would
/// run as a formula (=, +, -, @, tab, CR first) prefixed with an apostrophe, because error
/// messages and model ids come from providers and users.
public enum CSV {
    public static func cell(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : ""
        case .string(var s):
            if let first = s.first, "=+-@\t\r".contains(first) { s = "'" + s }
            // isNewline, not == "\n": a CRLF inside the text is one Character, "\r\n".
            guard s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return s }
            var quoted = "\""
            for c in s { quoted += c == "\"" ? "\"\"" : String(c) }
            return quoted + "\""
        case .array, .object: return cell(.string(value.jsonString))
        }
    }

    /// A whole document: the header, then one line per row.
    public static func document(header: [String], rows: [[JSONValue]]) -> String {
        lines([header.map(JSONValue.string)] + rows)
    }

    /// Rows without a header (to append to a document already begun).
    public static func lines(_ rows: [[JSONValue]]) -> String {
        var text = ""
        for row in rows { text += row.map(cell).joined(separator: ",") + "\r\n" }
        return text
    }
}
