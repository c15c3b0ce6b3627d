/// Input refused by the domain (a suite, an import, a request), naming the field as a user
/// writes it (`cases[3].expected_calls[0].name`). Domain modules throw it without knowing
/// who asked: the HTTP layer answers 400 (`invalid`) or 422 (`refused`) with it, the CLI
/// prints it and exits 1.
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Malformed: the wrong type, out of range, a duplicate (HTTP 400).
        case invalid
        /// Well-formed but refused: an unknown plugin or suite, an empty import (HTTP 422).
        case refused
    }

    public let field: String
    public let message: String
    public let kind: Kind

    public init(_ field: String, _ message: String, kind: Kind = .invalid) {
        self.field = field
        self.message = message
        self.kind = kind
    }

    public static func invalid(_ field: String, _ message: String) -> FieldError { FieldError(field, message) }
    public static func refused(_ field: String, _ message: String) -> FieldError { FieldError(field, message, kind: .refused) }

    public var description: String { "\(field): \(message)" }

    /// A schema violation as people read it: the field as a user writes it, and a missing
    /// field under its own name rather than its parent's. `prefix` places a body checked
    /// inside a larger one (`schedule.request`).
    public init(_ violation: SchemaViolation, prefix: String = "") {
        let marker = "missing required property \""
        let parent = Self.fieldName(violation.path)
        func join(_ a: String, _ b: String) -> String { a.isEmpty || a == "body" ? b : (b.hasPrefix("[") ? a + b : a + "." + b) }
        if violation.message.hasPrefix(marker) {
            let name = String(violation.message.dropFirst(marker.count).dropLast())
            self.init(join(prefix, join(parent, name)), "is required")
        } else if violation.message == "does not match pattern \(Schema.noControlCharacters)" {
            self.init(join(prefix, parent), "must not contain control characters (line breaks, tabs, NUL)")
        } else {
            self.init(join(prefix, parent), violation.message)
        }
    }

    /// `/providers/0/base_url` → `providers[0].base_url`.
    public static func fieldName(_ pointer: String) -> String {
        var name = ""
        for token in pointer.split(separator: "/", omittingEmptySubsequences: true) {
            let unescaped = token.replacing("~1", with: "/").replacing("~0", with: "~")
            if Int(unescaped) != nil { name += "[\(unescaped)]" } else { name += name.isEmpty ? unescaped : "." + unescaped }
        }
        return name.isEmpty ? "body" : name
    }
}
