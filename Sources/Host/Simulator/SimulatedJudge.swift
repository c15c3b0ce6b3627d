import HostMeasurement
import StudioJSON

/// The simulator's judge model (docs/simulator.md, "Judge models"): it reads the task
/// line and the tagged data blocks of the studio's judge prompts and answers with a
/// verdict that follows from them, so tests know what every judgement must be.
///
/// - case verdict: quality = 1 + round(4 × automatic score); pass ≥ 0.8, marginal ≥ 0.4,
///   else fail; a partial automatic score (strictly between 0 and 1) gets override 1.0.
/// - model report: score = round(100 × mean((quality − 1) / 4)); A ≥ 90, B ≥ 80, C ≥ 70,
///   D ≥ 60, else F.
/// - pairwise: the response with the higher automatic score wins; equal scores tie.
public enum SimulatedJudge {
    public enum Mode: String, Sendable, CaseIterable {
        /// Well-formed verdicts, in a ```json fence (which the studio strips).
        case grade = "judge"
        /// Pairwise: always prefers the response shown first (a position-biased judge).
        case first = "judgefirst"
        /// Prose that is not JSON.
        case malformed = "judgemalformed"
        /// A refusal.
        case refuse = "judgerefuse"
    }

    static func answer(prompt allText: String, mode: Mode) -> String {
        switch mode {
        case .malformed: return "Quality: 4 out of 5, verdict pass. The call looks right to me."
        case .refuse: return "I'm sorry, but I can't help with grading this."
        case .grade, .first: break
        }
        let task = allText.split(separator: "\n").first { $0.hasPrefix("judge-task:") }
            .flatMap { $0.dropFirst("judge-task:".count).split(separator: " ").first.map(String.init) } ?? ""
        let answer: JSONValue
        switch task {
        case "case-verdict":
            let score = block("automatic_score", in: allText)?["score"]?.doubleValue ?? 0
            let quality = 1 + Saturating.int((min(max(score, 0), 1) * 4).rounded())
            answer = [
                "reasoning": .string("The automatic score is \(score); the answer is graded from it."),
                "tool_assessment": .string(score >= 0.5 ? "The right tool was called." : "The tool choice is wrong or missing."),
                "argument_assessment": .string(score >= 1 ? "Arguments match." : "Some arguments differ from the expected ones."),
                "quality": .int(Int64(quality)),
                "verdict": .string(score >= 0.8 ? "pass" : score >= 0.4 ? "marginal" : "fail"),
                "override_score": score > 0 && score < 1 ? 1.0 : .null,
            ]
        case "model-report":
            let qualities = (block("verdicts", in: allText)?.arrayValue ?? []).compactMap { $0["quality"]?.doubleValue }
            let mean = qualities.isEmpty ? 0 : qualities.map { ($0 - 1) / 4 }.reduce(0, +) / Double(qualities.count)
            let score = Saturating.int((mean * 100).rounded())
            let grade = score >= 90 ? "A" : score >= 80 ? "B" : score >= 70 ? "C" : score >= 60 ? "D" : "F"
            answer = [
                "reasoning": .string("Mean quality over \(qualities.count) verdicts."),
                "grade": .string(grade), "score": .int(Int64(score)),
                "strengths": score >= 50 ? ["Calls the expected tools."] : [],
                "weaknesses": score < 100 ? ["Some arguments are wrong or missing."] : [],
                "recommendations": ["Review the failed cases."],
            ]
        case "pairwise":
            let a = block("response_a", in: allText)?["automatic_score"]?.doubleValue ?? 0
            let b = block("response_b", in: allText)?["automatic_score"]?.doubleValue ?? 0
            let winner = mode == .first ? "A" : a > b ? "A" : b > a ? "B" : "tie"
            answer = ["reasoning": .string("A scored \(a), B scored \(b)."), "winner": .string(winner)]
        default:
            answer = ["reasoning": "No judge task line in the prompt.", "error": "unknown task"]
        }
        return "```json\n" + answer.jsonString + "\n```"
    }

    /// The one JSON line between `<name>` and `</name>`.
    static func block(_ name: String, in text: String) -> JSONValue? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let open = lines.firstIndex(where: { $0 == "<\(name)>" }), open + 1 < lines.count else { return nil }
        return try? JSONParser.parse(String(lines[open + 1]))
    }

    /// The answer as streamed tokens: 6 characters each.
    static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if current.count == 6 { out.append(current); current = "" }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
