import HostStorage
import StudioJSON

/// A tool-calling suite as people write it: the native document (`"format": "studio-suite/1"`,
/// or `"studio-suite"` with `"version": 1`), a bare suite object, or an MCP `tools/list`
/// result; checked once here for the API, the importers and `studio eval`, errors naming
/// the field (docs/evals.md).
public enum SuiteDocument {
    public static let toolSchema: JSONValue = [
        "type": "object", "required": ["type", "function"],
        "properties": ["type": ["const": "function"],
                       "function": ["type": "object", "required": ["name"],
                                    "properties": ["name": ["type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9_.-]+$"],
                                                   "description": ["type": "string"], "parameters": ["type": "object"]]]],
    ]
    public static let caseSchema = Schema.object([
        ("id", Schema.name(min: 1, max: 128)),
        ("prompt", Schema.string(min: 1, max: 100_000)),
        ("expected_calls", Schema.array(["type": "object", "required": ["name"],
                                         "properties": ["name": ["type": ["string", "array"]], "arguments": ["type": ["object", "null"]]]], max: 64)),
        ("should_call_tool", Schema.boolean),
        ("category", Schema.name(min: 0, max: 64)),
        ("scorer", Schema.name(min: 1, max: 64)),
        ("order", Schema.oneOf(["any", "strict"])),
        // A case may bring its own tools (BFCL cases do) and keep BFCL's shape beside ours.
        ("tools", Schema.array(toolSchema, max: 256)),
        ("question", ["type": "array"]),
        ("function", ["type": "array"]),
        ("ground_truth", [:]),
        // Multi-turn: {mock_results: {tool: result}, max_rounds (5), optimal_hops (2), prerequisites: [tool]}
        ("multi_turn", Schema.object([("mock_results", Schema.anyObject), ("max_rounds", Schema.integer(1...20)),
                                      ("optimal_hops", Schema.integer(1...20)), ("prerequisites", Schema.array(Schema.string(min: 1, max: 128), max: 64))])),
    ], required: ["id", "prompt"])
    public static let suiteSchema = Schema.object([
        ("name", Schema.name(min: 1, max: 200)),
        ("description", Schema.string(max: 2000)),
        ("system_prompt", Schema.string(max: 100_000)),
        ("tools", Schema.array(toolSchema, max: 256)),
        ("cases", Schema.array(caseSchema, max: 10_000)),
    ], required: ["name"])

    /// The most cases a suite holds, however it was made (created, imported from any
    /// format, bulk-replaced or grown one case at a time).
    public static let maxCases = 10_000

    /// The native format and its version (docs/evals.md).
    public static let format = "studio-suite/1"

    public static func parse(_ json: JSONValue) throws -> SuiteContents {
        guard var object = json.objectValue else { throw FieldError.invalid("body", "a suite is a JSON object") }
        if let format = object["format"] {
            // "studio-suite/1", or the equivalent {"format": "studio-suite", "version": 1}.
            let versioned = format == "studio-suite" && object["version"] == 1
            guard format.stringValue == Self.format || versioned else {
                throw FieldError.invalid("format", "this studio reads \"\(Self.format)\" suites, got \(format.jsonString)")
            }
            object["format"] = nil
            object["version"] = nil
        }
        if let violation = JSONSchema(suiteSchema).validate(.object(object)).first { throw FieldError(violation) }
        return try contents(.object(object))
    }

    /// A suite body (already schema-checked) as rows; tool names must be unique and each
    /// expected call must name an offered tool, or the error names the case.
    public static func contents(_ body: JSONValue) throws -> SuiteContents {
        let tools = body["tools"]?.arrayValue ?? []
        var names = Set<String>()
        for (i, tool) in tools.enumerated() {
            let name = tool["function"]?["name"]?.stringValue ?? ""
            guard names.insert(name).inserted else { throw FieldError.invalid("tools[\(i)].function.name", "\"\(name)\" appears twice") }
        }
        var keys = Set<String>()
        var cases: [(key: String, category: String?, scorer: String, body: String)] = []
        for (i, c) in (body["cases"]?.arrayValue ?? []).enumerated() {
            let key = c["id"]?.stringValue ?? ""
            guard keys.insert(key).inserted else { throw FieldError.invalid("cases[\(i)].id", "\"\(key)\" appears twice") }
            let offered = c["tools"]?.arrayValue.map { Set($0.compactMap { $0["function"]?["name"]?.stringValue }) } ?? names
            for (j, call) in (c["expected_calls"]?.arrayValue ?? []).enumerated() {
                let wanted = call["name"]?.stringValue.map { [$0] } ?? call["name"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if let missing = wanted.first(where: { !offered.contains($0) }) {
                    throw FieldError.invalid("cases[\(i)].expected_calls[\(j)].name", "\"\(missing)\" is not one of the suite's tools")
                }
            }
            cases.append((key, c["category"]?.stringValue, c["scorer"]?.stringValue ?? "toolcall", c.jsonString))
        }
        return SuiteContents(name: body["name"]?.stringValue ?? "", description: body["description"]?.stringValue ?? "",
                             systemPrompt: body["system_prompt"]?.stringValue ?? "",
                             tools: tools.map { ($0["function"]?["name"]?.stringValue ?? "", $0.jsonString) }, cases: cases)
    }

    /// An MCP `tools/list` result ({"tools": [{name, description, inputSchema}]}, or the
    /// whole JSON-RPC response) as a suite with those tools and no cases.
    public static func mcp(_ body: JSONValue, name: String) throws -> SuiteContents {
        let list = body["result"]?["tools"] ?? body["tools"]
        guard let tools = list?.arrayValue else { throw FieldError.invalid("tools", "an MCP tools/list result has a \"tools\" array") }
        var converted: [(name: String, definition: String)] = []
        var names = Set<String>()
        for (i, tool) in tools.enumerated() {
            guard let toolName = tool["name"]?.stringValue, !toolName.isEmpty else { throw FieldError.invalid("tools[\(i)].name", "is required") }
            guard names.insert(toolName).inserted else { throw FieldError.invalid("tools[\(i)].name", "\"\(toolName)\" appears twice") }
            let schema = tool["inputSchema"] ?? ["type": "object", "properties": [:]]
            guard schema.objectValue != nil else { throw FieldError.invalid("tools[\(i)].inputSchema", "must be a JSON Schema object") }
            let definition: JSONValue = ["type": "function", "function": ["name": .string(toolName), "description": tool["description"] ?? "",
                                                                         "parameters": schema]]
            converted.append((toolName, definition.jsonString))
        }
        return SuiteContents(name: name, description: "Imported from an MCP tools/list", systemPrompt: "", tools: converted, cases: [])
    }
}
