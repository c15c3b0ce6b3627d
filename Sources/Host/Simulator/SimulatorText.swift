/// The simulator's deterministic text: token i is always the same word, and every
/// seventh carries a multi-byte character so UTF-8 splitting is exercised.
public enum SimulatorText {
    static let words = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", " café",
                        " naïve", " 😀", " and", " then", " rests", "."]

    public static func token(_ index: Int) -> String { words[index % words.count] }

    /// A rough, deterministic token count for prompt text (4 bytes a token).
    public static func estimateTokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }
}
