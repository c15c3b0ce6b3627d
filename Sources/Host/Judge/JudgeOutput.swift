import HostStorage
import StudioJSON

/// Why a judgement could not be had. Recorded with the case (never guessed around).
public struct JudgeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `malformed` (not the JSON asked for), `refused`, `invalid` (JSON with a field out of
    /// its range), `provider` (the call failed after its retries), `prompt`, `stored` (a
    /// stored result the judge needs no longer decodes).
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
    public var json: JSONValue { ["code": .string(code), "message": .string(message)] }
}

/// A judge's grade of one case result (docs/evals.md).
public struct CaseVerdict: Sendable, Equatable {
    public var quality: Int
    public var verdict: String
    public var reasoning: String
    public var toolAssessment: String
    public var argumentAssessment: String
    public var overrideScore: Double?

    public var json: JSONValue {
        ["quality": .int(Int64(quality)), "verdict": .string(verdict), "reasoning": .string(reasoning),
         "tool_assessment": .string(toolAssessment), "argument_assessment": .string(argumentAssessment),
         "override_score": overrideScore.map(JSONValue.double) ?? .null]
    }
}

/// A judge's report card of one model.
public struct ModelReport: Sendable, Equatable {
    public var grade: String
    public var score: Double
    public var reasoning: String
    public var strengths: [String]
    public var weaknesses: [String]
    public var recommendations: [String]

    public var json: JSONValue {
        ["grade": .string(grade), "score": .double(score), "reasoning": .string(reasoning),
         "strengths": .array(strengths.map(JSONValue.string)), "weaknesses": .array(weaknesses.map(JSONValue.string)),
         "recommendations": .array(recommendations.map(JSONValue.string))]
    }
}

/// Which of two shown answers a judge preferred, by position.
public enum PairwisePick: String, Sendable, Equatable {
    case first = "A", second = "B", tie
}

/// Strict reading of judge output: one JSON object, optionally inside a Markdown code
/// fence, with every field in range. Anything else is a JudgeError, never a guess.
public enum JudgeOutput {
    /// The JSON object the text is (after stripping one surrounding code fence).
    public static func object(_ text: String) throws(JudgeError) -> JSONValue {
        var body = Substring(text).drop { $0.isWhitespace }
        while let last = body.last, last.isWhitespace { body = body.dropLast() }
        if body.hasPrefix("```") {
            guard let newline = body.firstIndex(of: "\n"), body.hasSuffix("```"), body.count >= 6 else {
                throw JudgeError("malformed", "an unclosed code fence: \(snippet(text))")
            }
            let language = body[body.index(body.startIndex, offsetBy: 3)..<newline].filter { !$0.isWhitespace }
            guard language.isEmpty || language.lowercased() == "json" else {
                throw JudgeError("malformed", "a \(language) code fence, not JSON: \(snippet(text))")
            }
            body = body[body.index(after: newline)..<body.index(body.endIndex, offsetBy: -3)]
        }
        guard let value = try? JSONParser.parse(String(body)), value.objectValue != nil else {
            let lower = text.lowercased()
            let refusal = !text.contains("{") && ["sorry", "can't", "cannot", "unable", "won't"].contains { lower.contains($0) }
            throw JudgeError(refusal ? "refused" : "malformed", (refusal ? "the judge declined: " : "not a JSON object: ") + snippet(text))
        }
        return value
    }

    public static func verdict(_ text: String) throws(JudgeError) -> CaseVerdict {
        let o = try object(text)
        guard let quality = o["quality"]?.intValue, (1...5).contains(quality) else {
            throw JudgeError("invalid", "quality must be an integer from 1 to 5")
        }
        guard let verdict = o["verdict"]?.stringValue, ["pass", "marginal", "fail"].contains(verdict) else {
            throw JudgeError("invalid", "verdict must be pass, marginal or fail")
        }
        var override: Double? = nil
        switch o["override_score"] {
        case nil, .null?: break
        case let value?:
            guard let score = value.doubleValue, (0...1).contains(score) else { throw JudgeError("invalid", "override_score must be null or 0 to 1") }
            override = score
        }
        return CaseVerdict(quality: Int(quality), verdict: verdict, reasoning: try string(o, "reasoning"),
                           toolAssessment: try string(o, "tool_assessment", required: false),
                           argumentAssessment: try string(o, "argument_assessment", required: false), overrideScore: override)
    }

    public static func report(_ text: String) throws(JudgeError) -> ModelReport {
        let o = try object(text)
        guard let grade = o["grade"]?.stringValue, ["A", "B", "C", "D", "F"].contains(grade) else {
            throw JudgeError("invalid", "grade must be one of A, B, C, D, F")
        }
        guard let score = o["score"]?.doubleValue, (0...100).contains(score) else { throw JudgeError("invalid", "score must be 0 to 100") }
        return ModelReport(grade: grade, score: score, reasoning: try string(o, "reasoning", required: false),
                           strengths: try strings(o, "strengths"), weaknesses: try strings(o, "weaknesses"),
                           recommendations: try strings(o, "recommendations"))
    }

    public static func pairwise(_ text: String) throws(JudgeError) -> (PairwisePick, reasoning: String) {
        let o = try object(text)
        guard let winner = o["winner"]?.stringValue, let pick = PairwisePick(rawValue: winner == "TIE" ? "tie" : winner) else {
            throw JudgeError("invalid", "winner must be A, B or tie")
        }
        return (pick, try string(o, "reasoning", required: false))
    }

    private static func string(_ o: JSONValue, _ key: String, required: Bool = true) throws(JudgeError) -> String {
        switch o[key] {
        case .string(let s)?: return s
        case nil, .null?: if required { throw JudgeError("invalid", "\(key) is missing") } else { return "" }
        default: throw JudgeError("invalid", "\(key) must be a string")
        }
    }

    private static func strings(_ o: JSONValue, _ key: String) throws(JudgeError) -> [String] {
        switch o[key] {
        case nil, .null?: return []
        case .array(let items)?:
            let texts = items.compactMap(\.stringValue)
            guard texts.count == items.count else { throw JudgeError("invalid", "\(key) must be a list of strings") }
            return texts
        default: throw JudgeError("invalid", "\(key) must be a list of strings")
        }
    }

    static func snippet(_ text: String) -> String {
        let flat = text.replacing("\n", with: " ")
        return flat.count > 160 ? String(flat.prefix(160)) + "…" : flat
    }
}

extension JudgeError {
    /// A stored value the judge needs (a result's output) that no longer decodes: that
    /// item's verdict is this error, naming the row, and the others are judged.
    static func stored<T>(_ read: () throws(StoredValueError) -> T) throws(JudgeError) -> T {
        do { return try read() } catch { throw JudgeError("stored", error.description) }
    }
}
