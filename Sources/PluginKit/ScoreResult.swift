import StudioJSON

/// What a scorer returns: a score in 0...1 and why.
public struct ScoreResult: Sendable, Equatable {
    public var score: Double
    public var passed: Bool
    /// Named parts of the score; nil where a part does not apply (e.g. no params expected).
    public var subscores: [(String, Double?)]
    public var errorType: String?
    public var details: JSONValue

    public init(score: Double, passed: Bool, subscores: [(String, Double?)] = [],
                errorType: String? = nil, details: JSONValue = .object([:])) {
        self.score = score
        self.passed = passed
        self.subscores = subscores
        self.errorType = errorType
        self.details = details
    }

    public var json: JSONValue {
        [
            "score": .double(score), "passed": .bool(passed),
            "subscores": .object(JSONObject(subscores.map { ($0.0, $0.1.map(JSONValue.double) ?? .null) })),
            "error_type": errorType.map(JSONValue.string) ?? .null,
            "details": details,
        ]
    }

    public static func == (a: ScoreResult, b: ScoreResult) -> Bool { a.json == b.json }
}
