import StudioJSON

/// An HTTP request for the host to send. Headers keep their order; the host adds auth
/// headers itself (the plugin never sees API keys).
public struct HTTPRequestSpec: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: String?

    public init(method: String = "POST", url: String, headers: [(String, String)] = [], body: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public var json: JSONValue {
        [
            "method": .string(method), "url": .string(url),
            "headers": .array(headers.map { .array([.string($0.0), .string($0.1)]) }),
            "body": body.map(JSONValue.string) ?? .null,
        ]
    }
}
