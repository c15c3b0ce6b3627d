import Foundation
import StudioJSON

/// The simulator's prompt writer (docs/simulator.md, "Prompt writer"): the meta model a
/// prompt tuner asks for candidate system prompts. It reads "Write N" from the request and,
/// when the request lists earlier prompts with their scores ("(score 0.41) …"), writes
/// variations of the best one; otherwise fresh prompts of two sentences from a fixed pool.
/// Choices follow a hash of the request, so the same request gets the same prompts. Some
/// pool sentences carry the phrases the tuning surface rewards (ResponseSurface), so a
/// tuner that keeps the best and varies it finds them.
public enum SimulatedPromptWriter {
    public static let pool = [
        "You are a helpful assistant.",
        "Use the tools when they help.",
        "Call exactly one tool for each request.",
        "Read the request carefully, then call the tool that matches it.",
        "Be concise.",
        "Answer in the user's language.",
        "Think about which tool fits before answering.",
        "Prefer calling a tool over answering in prose.",
    ]

    static func answer(prompt allText: String) -> String {
        let count = min(20, max(1, number(after: "Write ", in: allText) ?? 4))
        let best = allText.split(separator: "\n").first { $0.contains("(score ") }
            .flatMap { line in line.range(of: ") ").map { String(line[$0.upperBound...]) } }
        var prompts: [String] = []
        var i = 0
        while prompts.count < count, i < 200 {
            let h = hash("\(allText)\u{1F}\(i)")
            let candidate: String
            if let best {
                let extra = pool[Int(h % UInt64(pool.count))]
                candidate = best.contains(extra) ? best : best + " " + extra
            } else {
                let first = pool[Int(h % UInt64(pool.count))], second = pool[Int((h >> 20) % UInt64(pool.count))]
                candidate = first == second ? first : first + " " + second
            }
            if !prompts.contains(candidate) { prompts.append(candidate) }
            i += 1
        }
        return "```json\n" + JSONValue.object(["prompts": .array(prompts.map(JSONValue.string))]).jsonString + "\n```"
    }

    static func number(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// FNV-1a, then SplitMix's finaliser (as ResponseSurface decides answers).
    static func hash(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 31)
    }
}
