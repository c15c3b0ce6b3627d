import StudioJSON

/// A JSON column as stored, decoded once where a row leaves the database. A value that
/// no longer parses as its column's shape is an error naming the row and the column —
/// never silently read as empty, which would run a benchmark without the model's
/// parameters or an eval without its tools.
public struct StoredValueError: Error, Sendable, CustomStringConvertible {
    /// What the row is, as a user knows it ("model gpt-4o", "case paris of suite weather").
    public let row: String
    public let column: String
    public let expected: String

    public var description: String {
        "the stored \(column) of \(row) is not \(expected); save it again to repair it"
    }
}

public enum StoredJSON {
    public static func value(_ text: String, row: @autoclosure () -> String, column: String) throws(StoredValueError) -> JSONValue {
        do { return try JSONParser.parse(text) } catch {
            throw StoredValueError(row: row(), column: column, expected: "valid JSON")
        }
    }

    public static func object(_ text: String, row: @autoclosure () -> String, column: String) throws(StoredValueError) -> JSONObject {
        guard let object = try value(text, row: row(), column: column).objectValue else {
            throw StoredValueError(row: row(), column: column, expected: "a JSON object")
        }
        return object
    }

    public static func strings(_ text: String, row: @autoclosure () -> String, column: String) throws(StoredValueError) -> [String] {
        guard let array = try value(text, row: row(), column: column).arrayValue, array.allSatisfy({ $0.stringValue != nil }) else {
            throw StoredValueError(row: row(), column: column, expected: "a JSON array of strings")
        }
        return array.compactMap(\.stringValue)
    }
}

extension ProviderRecord {
    /// The provider's default parameters.
    public func decodedDefaultParams() throws(StoredValueError) -> JSONObject {
        try StoredJSON.object(defaultParams, row: "provider \(slug)", column: "default_params")
    }
}

extension ModelRecord {
    /// The model's own parameters.
    public func decodedParams() throws(StoredValueError) -> JSONObject {
        try StoredJSON.object(params, row: "model \(modelID)", column: "params")
    }

    /// The parameter names the model never sends.
    public func decodedSkipParams() throws(StoredValueError) -> [String] {
        try StoredJSON.strings(skipParams, row: "model \(modelID)", column: "skip_params")
    }
}

extension SuiteStore {
    /// A suite's tool definitions, decoded; a damaged one is named by its position.
    public func decodedTools(userID: String, suiteID: String) async throws -> [JSONValue] {
        try await tools(userID: userID, suiteID: suiteID).enumerated().map { i, text throws(StoredValueError) in
            try StoredJSON.value(text, row: "tool \(i + 1) of the suite", column: "definition")
        }
    }
}

extension CaseRecord {
    /// The case as the user wrote it.
    public func decodedBody() throws(StoredValueError) -> JSONValue {
        try StoredJSON.value(body, row: "case \(caseKey)", column: "body")
    }
}
