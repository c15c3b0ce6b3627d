import Foundation
import HostResources
import StudioJSON

/// What the judge is asked to do; each task is one prompt file per version.
public enum JudgeTask: String, Sendable, CaseIterable {
    case caseVerdict = "case-verdict"
    case modelReport = "model-report"
    case pairwise
}

/// A rendered judge prompt: the instructions (system) and the data (user).
public struct JudgePrompt: Sendable, Equatable {
    public let system: String
    public let user: String
}

/// The versioned judge prompts shipped in `Sources/Host/Judge/prompts/<version>/<task>.md`.
/// A file is the system text, a `=== user ===` line, then the user text whose
/// `{{name}}` placeholders each stand alone on a line between `<name>` tags. Every value
/// is put in as one line of compact JSON, so data can never close its tag or add
/// instructions of its own outside it (docs/evals.md: candidate outputs are quoted as data).
public struct JudgePrompts: Sendable {
    /// version → task → file text.
    let files: [String: [JudgeTask: String]]

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let userMarker = "\n=== user ===\n"

    /// The prompts shipped with the studio (`STUDIO_JUDGE_PROMPTS_DIR` to use others).
    public static func shipped() throws -> JudgePrompts {
        guard let folder = PackagedResources.directory(environment: "STUDIO_JUDGE_PROMPTS_DIR", bundled: "judge-prompts",
                                                       module: "HostJudge", resource: "prompts", marker: "v1/case-verdict.md") else {
            throw Failure(description: "the judge prompts are missing (set STUDIO_JUDGE_PROMPTS_DIR to a folder holding v1/case-verdict.md)")
        }
        return try JudgePrompts(directory: folder)
    }

    public init(directory: String) throws {
        let fm = FileManager.default
        var files: [String: [JudgeTask: String]] = [:]
        for version in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] {
            var tasks: [JudgeTask: String] = [:]
            for task in JudgeTask.allCases {
                let path = "\(directory)/\(version)/\(task.rawValue).md"
                guard let text = fm.contents(atPath: path).flatMap({ String(data: $0, encoding: .utf8) }) else { continue }
                guard text.contains(Self.userMarker) else { throw Failure(description: "\(path) has no \"=== user ===\" line") }
                tasks[task] = text
            }
            if tasks.count == JudgeTask.allCases.count { files[version] = tasks }
        }
        guard !files.isEmpty else { throw Failure(description: "no complete judge prompt version in \(directory)") }
        self.files = files
    }

    /// Versions with every task's file, oldest first (v1, v2, …, v10).
    public var versions: [String] {
        files.keys.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }
    }

    public var latest: String { versions.last ?? "v1" }

    /// The prompt with each placeholder replaced by its value as one line of JSON, in
    /// one pass (a value that contains `{{…}}` stays as it is).
    public func render(_ task: JudgeTask, version: String, values: [String: JSONValue]) throws -> JudgePrompt {
        guard let text = files[version]?[task] else { throw Failure(description: "no judge prompt \(version)/\(task.rawValue)") }
        let parts = text.components(separatedBy: Self.userMarker)
        var user = ""
        var rest = Substring(parts.dropFirst().joined(separator: Self.userMarker))
        while let open = rest.range(of: "{{") {
            user += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw Failure(description: "unclosed placeholder in \(version)/\(task.rawValue)") }
            let name = String(rest[open.upperBound..<close.lowerBound])
            guard let value = values[name] else { throw Failure(description: "no value for {{\(name)}} in \(version)/\(task.rawValue)") }
            user += Self.dataLine(value)
            rest = rest[close.upperBound...]
        }
        user += rest
        return JudgePrompt(system: parts[0], user: user)
    }

    /// A value as one line: compact JSON escapes every line break, and U+2028/2029
    /// (which some readers treat as line breaks) are escaped too.
    static func dataLine(_ value: JSONValue) -> String {
        value.jsonString.replacingOccurrences(of: "\u{2028}", with: "\\u2028").replacingOccurrences(of: "\u{2029}", with: "\\u2029")
    }
}
