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

extension StoredJSON {
    /// An optional column: nil stays nil, a present value must decode.
    public static func optional(_ text: String?, row: @autoclosure () -> String, column: String) throws(StoredValueError) -> JSONValue {
        guard let text else { return .null }
        return try value(text, row: row(), column: column)
    }
}

extension BenchmarkRunRecord {
    /// The request the run was started with.
    public func decodedRequest() throws(StoredValueError) -> JSONValue {
        try StoredJSON.value(request, row: "run \(id)", column: "request")
    }

    /// The run's summary (null while it runs).
    public func decodedSummary() throws(StoredValueError) -> JSONValue {
        try StoredJSON.optional(summary, row: "run \(id)", column: "summary")
    }
}

extension BenchmarkResultRecord {
    /// Each read's time and size (null when the run kept none).
    public func decodedReads() throws(StoredValueError) -> JSONValue {
        try StoredJSON.optional(reads, row: "result \(id)", column: "reads")
    }
}

extension JobRecord {
    public func decodedRequest() throws(StoredValueError) -> JSONValue {
        try StoredJSON.value(request, row: "job \(id)", column: "request")
    }
}

extension ScheduleRecord {
    public func decodedRequest() throws(StoredValueError) -> JSONValue {
        try StoredJSON.value(request, row: "schedule \(name)", column: "request")
    }
}

extension EvalRunRecord {
    public func decodedRequest() throws(StoredValueError) -> JSONValue {
        try StoredJSON.value(request, row: "eval \(id)", column: "request")
    }

    public func decodedSummary() throws(StoredValueError) -> JSONValue {
        try StoredJSON.optional(summary, row: "eval \(id)", column: "summary")
    }
}

extension CaseResultRecord {
    /// The normalized output the scorer read.
    public func decodedOutput() throws(StoredValueError) -> JSONValue {
        try StoredJSON.value(output, row: "result \(id) (case \(caseKey))", column: "output")
    }

    /// The scorer's sub-scores (null when it gave none).
    public func decodedSubscores() throws(StoredValueError) -> JSONValue {
        try StoredJSON.optional(subscores, row: "result \(id) (case \(caseKey))", column: "subscores")
    }
}

extension JudgeVerdictRecord {
    public func decodedVerdict() throws(StoredValueError) -> JSONValue {
        try StoredJSON.value(verdict, row: "verdict \(id)", column: "verdict")
    }
}

extension JudgeReportRecord {
    /// The report (null until the judge run ends).
    public func decodedReport() throws(StoredValueError) -> JSONValue {
        try StoredJSON.optional(report, row: "judge report \(id)", column: "report")
    }
}
