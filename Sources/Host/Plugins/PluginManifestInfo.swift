import StudioJSON

/// A plugin library's manifest as the host reads it, validated against
/// `PluginManifestInfo.schema` (also published as docs/schemas/plugin-manifest.schema.json;
/// a test keeps the two identical).
public struct PluginManifestInfo: Sendable {
    public let id: String
    public let name: String
    public let version: String
    public let description: String
    public let kinds: [String]
    public let language: String?
    public let swiftToolchain: String?
    /// The whole manifest, for kind-specific sections ("provider", "scorer").
    public let json: JSONValue

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(json text: String) throws(Invalid) {
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch {
            throw Invalid(description: "not JSON: \(error)")
        }
        let violations = Self.validator.validate(value)
        if !violations.isEmpty {
            throw Invalid(description: violations.prefix(5).map(\.description).joined(separator: "; "))
        }
        json = value
        id = value["id"]!.stringValue!
        name = value["name"]!.stringValue!
        version = value["version"]!.stringValue!
        description = value["description"]?.stringValue ?? ""
        kinds = value["kinds"]!.arrayValue!.compactMap(\.stringValue)
        language = value["language"]?.stringValue
        swiftToolchain = value["swift_toolchain"]?.stringValue
        for kind in kinds where value[kind]?.objectValue == nil {
            throw Invalid(description: "kind \"\(kind)\" is declared but the \"\(kind)\" section is missing")
        }
    }

    public var provider: JSONValue? { json["provider"] }
    public var scorer: JSONValue? { json["scorer"] }

    static let validator = JSONSchema(try! JSONParser.parse(schema))

    /// JSON Schema of a plugin manifest (ABI 1.0).
    public static let schema = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "title": "studio plugin manifest (ABI 1.x)",
      "type": "object",
      "required": ["id", "name", "version", "abi", "kinds"],
      "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"},
        "name": {"type": "string", "minLength": 1},
        "version": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+([-+].*)?$"},
        "description": {"type": "string"},
        "abi": {"type": "string", "pattern": "^1\\.[0-9]+$"},
        "language": {"type": "string", "enum": ["swift", "c", "rust", "other"]},
        "swift_toolchain": {"type": "string"},
        "kinds": {"type": "array", "minItems": 1, "uniqueItems": true,
                  "items": {"type": "string", "enum": ["provider", "scorer"]}},
        "provider": {
          "type": "object",
          "properties": {
            "api": {"type": "string"},
            "auth": {"type": "object", "required": ["style"],
                     "properties": {"style": {"enum": ["bearer", "header", "query", "none", "aws-sigv4", "oauth2-service-account"]},
                                    "jwt_style": {"enum": ["bearer", "header", "query", "none"]},
                                    "service": {"type": "string"}, "scope": {"type": "string"},
                                    "header": {"type": "string"}, "param": {"type": "string"}}},
            "default_base_url": {"type": "string"},
            "key_env": {"type": "string"},
            "presets": {"type": "array", "items": {"type": "object", "required": ["id", "base_url"]}},
            "params": {"type": "object"},
            "model_rules": {"type": "array", "items": {"type": "object", "required": ["pattern"]}},
            "models": {"type": "array", "items": {"type": "object", "required": ["id"],
              "properties": {"id": {"type": "string"}, "context_window": {"type": "integer", "minimum": 1},
                             "max_output": {"type": "integer", "minimum": 1},
                             "price_in": {"type": "number", "minimum": 0}, "price_out": {"type": "number", "minimum": 0}}}}
          }
        },
        "scorer": {
          "type": "object",
          "properties": {
            "reads": {"type": "array", "items": {"type": "string"}},
            "config_schema": {"type": ["object", "boolean"]},
            "subscores": {"type": "array", "items": {"type": "string"}}
          }
        }
      }
    }
    """#
}
