import HostPlugins
import StudioJSON

/// Scores model outputs against cases with any scorer plugin, offline: the engine of
/// `studio score` (docs/cli.md), which is how scorer authors test their plugins.
///
/// Both inputs are JSON Lines. Each output line carries `id` and, optionally, `case_id`;
/// without `case_id`, `id` names the case, so one case can be scored against many outputs.
public enum OfflineScoring {
    public struct InputError: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public struct Row: Sendable {
        public let id: String
        public let caseID: String
        public let result: JSONValue?
        public let error: String?

        public var json: JSONValue {
            [
                "id": .string(id), "case_id": .string(caseID),
                "score": result?["score"] ?? .null, "passed": result?["passed"] ?? .null,
                "error_type": error == nil ? (result?["error_type"] ?? .null) : "scorer_error",
                "details": error.map { ["error": .string($0)] } ?? result?["details"] ?? .null,
                "subscores": result?["subscores"] ?? .null,
            ]
        }
    }

    /// Parses JSON Lines, naming the file and line of the first bad one. Blank lines are skipped.
    public static func parseLines(_ text: String, file: String) throws(InputError) -> [JSONValue] {
        var values: [JSONValue] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: [" ", "\t", "\r"])
            if trimmed.isEmpty { continue }
            do {
                let value = try JSONParser.parse(String(trimmed))
                guard value.objectValue != nil else {
                    throw InputError(description: "\(file):\(number + 1): each line must be a JSON object")
                }
                values.append(value)
            } catch let error as JSONParseError {
                throw InputError(description: "\(file):\(number + 1): \(error.message) at column \(error.column)")
            } catch let error as InputError {
                throw error
            } catch {
                throw InputError(description: "\(file):\(number + 1): \(error)")
            }
        }
        return values
    }

    /// Scores every output line. Unknown case ids and missing ids are input errors
    /// (reported before any scoring); a scorer that fails on one line gives that row an
    /// error and the rest go on. `onRow` sees each row as soon as it is scored, so a
    /// caller can write it out before the next (a crash then loses nothing before it).
    public static func run(scorer: ScorerInstance, cases: [JSONValue], outputs: [JSONValue],
                           casesFile: String = "cases", outputsFile: String = "outputs",
                           onRow: (Row) -> Void = { _ in }) throws(InputError) -> [Row] {
        var byID: [String: JSONValue] = [:]
        for (i, c) in cases.enumerated() {
            guard let id = c["id"].flatMap(idString) else {
                throw InputError(description: "\(casesFile): case #\(i + 1) has no \"id\"")
            }
            if byID[id] != nil { throw InputError(description: "\(casesFile): duplicate case id \"\(id)\"") }
            byID[id] = c
        }
        var work: [(String, String, JSONValue, JSONValue)] = []
        for (i, output) in outputs.enumerated() {
            guard let id = output["id"].flatMap(idString) else {
                throw InputError(description: "\(outputsFile): output #\(i + 1) has no \"id\"")
            }
            let caseID = output["case_id"].flatMap(idString) ?? id
            guard let testCase = byID[caseID] else {
                throw InputError(description: "\(outputsFile): output \"\(id)\" names case \"\(caseID)\", which is not in \(casesFile)")
            }
            work.append((id, caseID, testCase, output))
        }
        return work.map { id, caseID, testCase, output in
            let row: Row
            do throws(PluginCallError) {
                row = Row(id: id, caseID: caseID, result: try scorer.score(case: testCase, output: output), error: nil)
            } catch {
                row = Row(id: id, caseID: caseID, result: nil, error: error.description)
            }
            onRow(row)
            return row
        }
    }

    private static func idString(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s) where !s.isEmpty: return s
        case .int(let i): return String(i)
        default: return nil
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return s
    }
}
