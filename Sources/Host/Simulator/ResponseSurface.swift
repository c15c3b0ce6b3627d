import Foundation

/// The simulator's tuning models (docs/simulator.md, "Tuning surface"): how often a model
/// calls the right tool depends on its sampling parameters and its system prompt by a
/// documented formula, so a tuner's result can be checked against the known optimum.
///
///     accuracy = min(1, 0.2 + 0.7 · exp(−½ · [((temperature − 0.35) / 0.25)² + ((top_p − 0.8) / 0.15)²])
///                       + 0.05 when the system prompt says "exactly one tool"
///                       + 0.15 when it says "call the tool that matches")
///
/// Its optimum over parameters is 0.95 at temperature 0.35, top_p 0.8 with the first
/// phrase; the second is what a prompt tuner can find (docs/tuning.md, "Prompt tuning"). Missing parameters
/// count as the OpenAI defaults (temperature 1, top_p 1). The `flat` model's accuracy is
/// 0.6 whatever it is given: there is nothing to find, and an honest tuner says so.
///
/// Whether one request is answered right is decided by a hash of the case's prompt, the
/// parameters, the system prompt and the request's `seed`: the same request always gets the
/// same answer, and a different seed is a fresh draw.
public enum ResponseSurface {
    public static let phrase = "exactly one tool"
    /// The instruction worth most to a prompt: what the prompt tuner should discover.
    public static let instruction = "call the tool that matches"
    public static let flatAccuracy = 0.6
    public static let optimum = (temperature: 0.35, topP: 0.8, accuracy: 0.95)

    public static func accuracy(temperature: Double?, topP: Double?, systemPrompt: String) -> Double {
        let t = temperature ?? 1, p = topP ?? 1
        let distance = pow((t - 0.35) / 0.25, 2) + pow((p - 0.8) / 0.15, 2)
        let prompt = systemPrompt.lowercased()
        let bonus = (prompt.contains(phrase) ? 0.05 : 0) + (prompt.contains(instruction) ? 0.15 : 0)
        return min(1, 0.2 + 0.7 * exp(-0.5 * distance) + bonus)
    }

    /// True with probability `accuracy`, decided by `key` (FNV-1a, then SplitMix's finaliser).
    static func answersRight(accuracy: Double, key: String) -> Bool {
        Double(SimulatedPromptWriter.hash(key) >> 11) / Double(1 << 53) < accuracy
    }
}
