import Foundation
import StudioJSON
import Testing

/// The `studio` executable as a user runs it: exit codes 0 / 1 / 2 and messages.
@Suite struct CLITests {
    var studio: String { TestSupport.studioExecutable }

    @Test(arguments: ["openai", "anthropic", "gemini", "ollama", "openai-responses", "cohere", "azure-openai", "bedrock", "vertex", "toolcall", "bfcl", "schema", "names-f1", "exact-args"])
    func verifyPassesOnEveryShippedPlugin(id: String) throws {
        let path = id == "exact-args" ? TestSupport.exactArgsPath
            : TestSupport.buildDirectory.appendingPathComponent("libstudio_\(id.replacingOccurrences(of: "-", with: "_")).so").path
        let result = try TestSupport.run(studio, ["plugins", "verify", path, "--json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try JSONParser.parse(result.stdout)
        #expect(report["passed"]?.boolValue == true)
        #expect(report["plugin"]?["id"]?.stringValue == id)
        #expect((report["checks"]?.arrayValue?.count ?? 0) >= 5)
    }

    @Test(arguments: [("noentry", ["FIXTURE_NO_ENTRY"], "no entry point [studio_plugin_entry]"),
                      ("wrongabi", ["FIXTURE_ABI=STUDIO_ABI_MAKE_VERSION(2,0)"], "speaks plugin ABI 2.0"),
                      ("nullentry", ["FIXTURE_ENTRY_NULL"], "returned NULL")])
    func verifyFailsOnBrokenFixtures(name: String, defines: [String], message: String) throws {
        let path = try PluginLoaderTests.fixture("cli-\(name)", defines)
        let result = try TestSupport.run(studio, ["plugins", "verify", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL"))
        #expect(result.stdout.contains(message), "\(result.stdout)")
    }

    @Test func listShowsSwiftAndCPluginsTogether() throws {
        let result = try TestSupport.run(studio, ["plugins", "list", "--json", "--plugins", TestSupport.cPluginFolder.path,
                                                  "--data", TestSupport.temporaryDirectory("data").path])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONParser.parse(result.stdout)
        let plugins = document["plugins"]?.arrayValue ?? []
        let byID = Dictionary(uniqueKeysWithValues: plugins.compactMap { p in p["id"]?.stringValue.map { ($0, p) } })
        #expect(byID["openai"]?["language"]?.stringValue == "swift")
        #expect(byID["exact-args"]?["language"]?.stringValue == "c")
        #expect(byID["toolcall"]?["sha256"]?.stringValue?.count == 64)
        #expect(byID["toolcall"]?["abi"]?.stringValue == "1.0")
        // From the operator's folder: isolated, sandboxed; bundled: in-process. The table says so too.
        #expect(byID["exact-args"]?["mode"] == "isolated" && byID["exact-args"]?["origin"] == "explicit")
        #expect(byID["exact-args"]?["sandbox"]?.arrayValue?.contains("seccomp") == true)
        #expect(byID["openai"]?["mode"] == "in-process" && byID["openai"]?["origin"] == "bundled")
        let table = try TestSupport.run(studio, ["plugins", "list", "--plugins", TestSupport.cPluginFolder.path,
                                                 "--data", TestSupport.temporaryDirectory("data").path])
        #expect(table.stdout.contains("MODE") && table.stdout.split(separator: "\n").contains { $0.hasPrefix("exact-args") && $0.contains("isolated") })
    }

    @Test func scoreRunsAScorerOverJSONLines() throws {
        let dir = TestSupport.temporaryDirectory("score")
        let cases = dir.appendingPathComponent("cases.jsonl").path
        let outputs = dir.appendingPathComponent("outputs.jsonl").path
        try """
            {"id":"paris","expected_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]}
            {"id":"none","expected_calls":[],"should_call_tool":false}
            """.write(toFile: cases, atomically: true, encoding: .utf8)
        try """
            {"id":"run1","case_id":"paris","calls":[{"name":"get_weather","arguments":{"city":"paris"}}]}
            {"id":"run2","case_id":"paris","calls":[{"name":"get_weather","arguments":"{\\"city\\": \\"Rome\\"}"}]}

            {"id":"none","calls":[]}
            """.write(toFile: outputs, atomically: true, encoding: .utf8)
        for scorer in ["toolcall", "exact-args"] {
            let result = try TestSupport.run(studio, ["score", "--scorer", scorer, "--cases", cases, "--outputs", outputs,
                                                      "--json", "--plugins", TestSupport.cPluginFolder.path])
            #expect(result.status == 0, "\(scorer): \(result.stderr)")
            let rows = try result.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
            #expect(rows.map { $0["id"]?.stringValue } == ["run1", "run2", "none"])
            #expect(rows.map { $0["case_id"]?.stringValue } == ["paris", "paris", "none"])
            #expect(rows[2]["passed"]?.boolValue == true)
            #expect(rows[1]["passed"]?.boolValue == false)
            if scorer == "toolcall" {
                #expect(rows[0]["score"]?.doubleValue == 1, "case-insensitive strings")
                #expect(abs(rows[1]["score"]!.doubleValue! - 0.6) < 1e-9, "right tool, wrong city")
            } else {
                #expect(rows[0]["score"]?.doubleValue == 0, "exact-args compares strings exactly")
            }
        }
    }

    /// A scorer's --config is checked against its manifest's config_schema before the
    /// plugin sees it (issue 19, trust): exit 2 naming what is wrong.
    @Test func scoreChecksTheConfigAgainstTheScorersSchema() throws {
        let dir = TestSupport.temporaryDirectory("score-config")
        let cases = dir.appendingPathComponent("cases.jsonl").path
        let outputs = dir.appendingPathComponent("outputs.jsonl").path
        try "{\"id\":\"a\",\"expected_calls\":[]}\n".write(toFile: cases, atomically: true, encoding: .utf8)
        try "{\"id\":\"a\",\"calls\":[]}\n".write(toFile: outputs, atomically: true, encoding: .utf8)
        for scorer in ["toolcall", "exact-args"] {
            let bad = try TestSupport.run(studio, ["score", "--scorer", scorer, "--cases", cases, "--outputs", outputs,
                                                   "--config", #"{"threshold": 2}"#, "--plugins", TestSupport.cPluginFolder.path])
            #expect(bad.status == 2 && bad.stderr.contains("config_schema") && bad.stderr.contains("threshold"), "\(scorer): \(bad.stderr)")
            let good = try TestSupport.run(studio, ["score", "--scorer", scorer, "--cases", cases, "--outputs", outputs,
                                                    "--config", "{}", "--plugins", TestSupport.cPluginFolder.path])
            #expect(good.status == 0, "\(scorer): \(good.stderr)")
        }
    }

    @Test func scoreNamesTheBadLine() throws {
        let dir = TestSupport.temporaryDirectory("score-bad")
        let cases = dir.appendingPathComponent("cases.jsonl").path
        let outputs = dir.appendingPathComponent("outputs.jsonl").path
        try "{\"id\":\"a\"}\n{\"id\": oops}\n".write(toFile: cases, atomically: true, encoding: .utf8)
        try "{\"id\":\"a\",\"calls\":[]}\n".write(toFile: outputs, atomically: true, encoding: .utf8)
        let result = try TestSupport.run(studio, ["score", "--scorer", "toolcall", "--cases", cases, "--outputs", outputs])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cases.jsonl:2:"), "\(result.stderr)")

        try "{\"id\":\"a\",\"case_id\":\"zzz\",\"calls\":[]}\n".write(toFile: outputs, atomically: true, encoding: .utf8)
        try "{\"id\":\"a\"}\n".write(toFile: cases, atomically: true, encoding: .utf8)
        let unknown = try TestSupport.run(studio, ["score", "--scorer", "toolcall", "--cases", cases, "--outputs", outputs])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("names case \"zzz\""), "\(unknown.stderr)")

        let noScorer = try TestSupport.run(studio, ["score", "--scorer", "nope", "--cases", cases, "--outputs", outputs])
        #expect(noScorer.status == 1)
        #expect(noScorer.stderr.contains("no scorer plugin \"nope\""))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try TestSupport.run(studio, ["score", "--cases", "x"]).status == 2)
        #expect(try TestSupport.run(studio, ["no-such-command"]).status == 2)
        #expect(try TestSupport.run(studio, ["serve", "--port", "70000"]).status == 2)
        #expect(try TestSupport.run(studio, ["--help"]).status == 0)
    }
}
