import ArgumentParser
import Foundation
import HostPlugins
import HostScoring
import StudioJSON

struct Score: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score model outputs against cases with a scorer plugin, offline.",
        discussion: """
            Both files are JSON Lines. Each output line has "id" and optionally "case_id" \
            (when absent, "id" names the case) and the normalized output: \
            {"calls": [{"name", "arguments"}], "text", "finish_reason"}.
            """)

    @Option(help: "Scorer plugin id (e.g. toolcall, exact-args).") var scorer: String
    @Option(help: "Cases, one JSON object per line.") var cases: String
    @Option(help: "Model outputs, one JSON object per line.") var outputs: String
    @Option(help: "Scorer configuration as JSON.") var config: String = "{}"
    @Flag(help: "One JSON object per output line.") var json = false
    @OptionGroup var plugins: PluginOptions

    func run() async throws {
        let configJSON: JSONValue
        do { configJSON = try JSONParser.parse(config) } catch {
            printError("--config is not valid JSON: \(error)")
            throw ExitCode(2)
        }
        let caseLines: [JSONValue], outputLines: [JSONValue]
        do {
            caseLines = try OfflineScoring.parseLines(try readFile(cases), file: cases)
            outputLines = try OfflineScoring.parseLines(try readFile(outputs), file: outputs)
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        let registry = try await plugins.trustedRegistry()
        guard let plugin = registry.scorer(id: scorer) else {
            let known = registry.plugins.filter { $0.kinds.contains("scorer") }.map(\.id)
            printError("no scorer plugin \"\(scorer)\"; found: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
            throw ExitCode.failure
        }
        if let problem = plugin.scorerConfigProblem(configJSON) {
            printError("--config does not fit the \(scorer) scorer's config_schema: \(problem.path.isEmpty ? "" : problem.path + ": ")\(problem.message)")
            throw ExitCode(2)
        }
        // Each row is written as soon as it is scored (a table's columns sized from the
        // ids up front), so whatever happens later, what was scored is on the output.
        let idWidth = max(2, outputLines.map { ($0["id"]?.stringValue ?? $0["id"]?.jsonString ?? "").count }.max() ?? 0)
        let caseWidth = max(4, outputLines.map { ($0["case_id"]?.stringValue ?? $0["id"]?.stringValue ?? "").count }.max() ?? 0)
        func tableLine(_ cells: [String]) -> String {
            [cells[0].padding(toLength: idWidth, withPad: " ", startingAt: 0), cells[1].padding(toLength: caseWidth, withPad: " ", startingAt: 0),
             cells[2].padding(toLength: 5, withPad: " ", startingAt: 0), cells[3].padding(toLength: 6, withPad: " ", startingAt: 0), cells[4]]
                .joined(separator: "  ")
        }
        let rows: [OfflineScoring.Row]
        do {
            let instance = try plugin.makeScorer(config: configJSON)
            if !json { printFlushed(tableLine(["ID", "CASE", "SCORE", "PASSED", "ERROR"])) }
            rows = try OfflineScoring.run(scorer: instance, cases: caseLines, outputs: outputLines,
                                          casesFile: cases, outputsFile: outputs) { row in
                if json {
                    printFlushed(row.json.jsonString)
                } else {
                    printFlushed(tableLine([row.id, row.caseID,
                                            row.result?["score"]?.doubleValue.map { String(format: "%.3f", $0) } ?? "-",
                                            row.result?["passed"]?.boolValue.map { $0 ? "yes" : "no" } ?? "-",
                                            row.error ?? row.result?["error_type"]?.stringValue ?? ""]))
                }
            }
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        if !json {
            let scored = rows.compactMap { $0.result?["score"]?.doubleValue }
            let passed = rows.filter { $0.result?["passed"]?.boolValue == true }.count
            let mean = scored.isEmpty ? 0 : scored.reduce(0, +) / Double(scored.count)
            print(String(format: "%d outputs, %d passed, mean score %.3f, %d scorer errors",
                         rows.count, passed, mean, rows.filter { $0.error != nil }.count))
        }
        if rows.contains(where: { $0.error != nil }) { throw ExitCode.failure }
    }
}

func readFile(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw OfflineScoring.InputError(description: "cannot read \(path)")
    }
    return String(decoding: data, as: UTF8.self)
}
