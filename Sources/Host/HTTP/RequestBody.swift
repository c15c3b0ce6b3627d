import HTTPTypes
import Hummingbird
import StudioJSON

/// A JSON request body: its schema (enforced before the handler runs), an example (for the
/// OpenAPI document and the generated bad-input tests) and a size limit.
public struct RequestBody: Sendable {
    public let schema: JSONValue
    public let example: JSONValue
    public let limit: Int

    public init(schema: JSONValue, example: JSONValue, limit: Int = 1 << 20) {
        self.schema = schema
        self.example = example
        self.limit = limit
    }
}
