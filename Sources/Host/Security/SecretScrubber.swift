/// Removes secrets from text before it is logged, stored, shown or exported (docs/security.md):
/// API keys (`sk-…`, `AIza…`, Anthropic and other prefixed keys), Bearer values, JWTs,
/// `api_key`/`x-api-key`/`key=` values, and any exact secret the caller names (the key
/// used for the request at hand). One scrubber for every path that emits text.
public struct SecretScrubber: Sendable {
    /// Exact strings to remove wherever they appear (e.g. the API key of this call).
    public var knownSecrets: [String]

    public init(knownSecrets: [String] = []) {
        self.knownSecrets = knownSecrets.filter { $0.count >= 4 }
    }

    public static let standard = SecretScrubber()

    public func scrub(_ text: String) -> String {
        var out = text
        for secret in knownSecrets where out.contains(secret) {
            out = out.replacing(secret, with: "[REDACTED]")
        }
        for pattern in Self.patterns {
            out = out.replacing(pattern.regex) { match in
                pattern.keep(String(match.output[0].substring ?? "")) + "[REDACTED]"
            }
        }
        return out
    }

    private struct Pattern: @unchecked Sendable {
        let regex: Regex<AnyRegexOutput>
        /// The part of the match to keep in front of the redaction marker (a label).
        let keep: @Sendable (String) -> String
    }

    private static let patterns: [Pattern] = {
        func p(_ source: String, keepPrefixUpTo separators: String? = nil) -> Pattern {
            let regex = try! Regex(source)
            return Pattern(regex: regex) { matched in
                guard let separators, let index = matched.firstIndex(where: { separators.contains($0) }) else { return "" }
                return String(matched[...index])
            }
        }
        return [
            p(#"(?i)bearer\s+[A-Za-z0-9._~+/=-]{6,}"#, keepPrefixUpTo: " \t"),
            p(#"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"#),
            p(#"sk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}"#),
            p(#"AIza[0-9A-Za-z_-]{20,}"#),
            p(#"(?:gsk|xai|pplx|r8|hf)_[A-Za-z0-9]{16,}"#),
            p(#"(?i)"(?:api[_-]?key|x-api-key|authorization|password|secret|token)"\s*:\s*"[^"]*""#, keepPrefixUpTo: ":"),
            p(#"(?i)(?:api[_-]?key|x-api-key|key|token|password)=[^&\s"']+"#, keepPrefixUpTo: "="),
            p(#"(?i)x-api-key:\s*\S+"#, keepPrefixUpTo: ":"),
        ]
    }()
}
