import StudioJSON

/// Identity and metadata of one plugin library. `provider` and `scorer` hold the
/// kind-specific manifest sections (docs/schemas/plugin-manifest.schema.json).
public struct PluginManifest: Sendable {
    public var id: String
    public var name: String
    public var version: String
    public var description: String
    public var provider: JSONObject?
    public var scorer: JSONObject?

    public init(id: String, name: String, version: String, description: String = "",
                provider: JSONObject? = nil, scorer: JSONObject? = nil) {
        self.id = id
        self.name = name
        self.version = version
        self.description = description
        self.provider = provider
        self.scorer = scorer
    }

    /// The manifest JSON as the host reads it. PluginKit adds the ABI version, the kinds
    /// and the toolchain that built the plugin.
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "name": .string(name), "version": .string(version),
            "description": .string(description), "abi": "1.0",
            "language": "swift", "swift_toolchain": .string(SwiftToolchain.identifier),
        ]
        var kinds: [JSONValue] = []
        if provider != nil { kinds.append("provider") }
        if scorer != nil { kinds.append("scorer") }
        object["kinds"] = .array(kinds)
        if let provider { object["provider"] = .object(provider) }
        if let scorer { object["scorer"] = .object(scorer) }
        return .object(object)
    }
}
