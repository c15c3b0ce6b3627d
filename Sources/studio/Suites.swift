import ArgumentParser
import Foundation
import HostEvals
import HostStorage
import StudioJSON

/// `studio suites import-bfcl --category simple_python`: BFCL's data files, read in place
/// from the installed `bfcl-eval` package (never copied into this repository), as a
/// studio-suite/1 document for `studio eval` or `POST /api/suites/import`.
struct Suites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make tool-calling suites from other formats.", subcommands: [ImportBFCL.self])

    struct ImportBFCL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-bfcl",
            abstract: "A BFCL category (from the installed bfcl-eval package) as a studio-suite/1 document.",
            discussion: "Install the data with `pip install --no-deps bfcl-eval==2026.3.23`. Single-turn categories only; skipped entries are listed on stderr.")

        @Option(help: "BFCL category, e.g. simple_python, multiple, parallel, parallel_multiple, irrelevance, live_simple.") var category: String
        @Option(help: "BFCL's data folder (default: found through --python).") var data: String?
        @Option(help: "The Python that has bfcl-eval installed.") var python = "python3"
        @Option(help: "Import at most this many entries.") var limit: Int?
        @Option(help: "Write the suite here (default: standard output).") var output: String?

        func validate() throws {
            guard category.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { throw ValidationError("--category is a BFCL category name, e.g. simple_python") }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let folder: String
            if let data { folder = data } else {
                // Locating the package runs no package code (its __init__ is empty).
                let result = try? runProcess(python, ["-c", "import importlib.util,os;print(os.path.dirname(importlib.util.find_spec('bfcl_eval').origin))"])
                guard let result, result.status == 0, let path = result.output.split(separator: "\n").first else {
                    printError("bfcl-eval is not installed for \(python): pip install --no-deps bfcl-eval==2026.3.23 (or pass --data)")
                    throw ExitCode.failure
                }
                folder = String(path) + "/data"
            }
            let questionsPath = "\(folder)/BFCL_v4_\(category).json", answersPath = "\(folder)/possible_answer/BFCL_v4_\(category).json"
            guard var questions = try? String(contentsOfFile: questionsPath, encoding: .utf8) else {
                printError("no BFCL file \(questionsPath)")
                throw ExitCode.failure
            }
            if let limit { questions = questions.split(separator: "\n").prefix(limit).joined(separator: "\n") }
            let answers = try? String(contentsOfFile: answersPath, encoding: .utf8)
            let (suite, skipped): (SuiteContents, [BFCLImport.Skipped])
            do { (suite, skipped) = try BFCLImport.suite(name: "BFCL \(category)", category: category, questions: questions, answers: answers) } catch {
                printError("\(questionsPath): \(error)")
                throw ExitCode.failure
            }
            for s in skipped { printError("skipped line \(s.line) (\(s.id)): \(s.reason)") }
            let document: JSONValue = ["format": .string(SuiteDocument.format), "name": .string(suite.name), "description": .string(suite.description),
                                       "system_prompt": "", "tools": [],
                                       "cases": .array(try suite.cases.map { try JSONParser.parse($0.body) })]
            if let output {
                do { try document.jsonString.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                    printError("cannot write \(output): \(error)")
                    throw ExitCode.failure
                }
                printError("wrote \(suite.cases.count) cases of \(category) to \(output)\(skipped.isEmpty ? "" : "; skipped \(skipped.count)")")
            } else {
                print(document.jsonString)
            }
        }
    }
}



/// Runs a helper program to completion (a small, short one: its output is read whole).
func runProcess(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
