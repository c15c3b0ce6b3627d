import Foundation
import HTTPTypes
import HostAuth
import HostHTTP
import HostPlugins
import HostStorage
import HummingbirdTesting
import StudioJSON
import Testing

/// Every plugin template, as an author uses it: `studio plugins new`, the template's own
/// one-command build and sample test, `studio plugins verify`, `studio plugins install`
/// into a data folder, then the plugin in use (`studio score` for scorers, `studio bench`
/// against the simulator for providers). Also: a plugin built against the frozen 1.0
/// headers loads in this host.
@Suite(.serialized) struct PluginTemplateTests {
    static let studio = TestSupport.studioExecutable
    static let environment: [String: String] = {
        var e = ProcessInfo.processInfo.environment
        e["STUDIO_TEMPLATES"] = TestSupport.packageRoot.appendingPathComponent("plugin-templates").path
        e["STUDIO_DATABASE_URL"] = nil
        return e
    }()

    static func sh(_ command: String, in folder: String) throws -> TestSupport.ProcessResult {
        try TestSupport.run("/bin/sh", ["-c", "cd '\(folder)' && \(command)"], environment: environment)
    }

    /// (kind, language, new plugin name, build command, test command, library path)
    static let templates: [(String, String, String, String, String, String)] = [
        ("scorer", "c", "my-rules", "make", "make test STUDIO='\(studio)'", "libstudio_my_rules.so"),
        ("provider", "c", "my-stream", "make", "make test STUDIO='\(studio)'", "libstudio_my_stream.so"),
        ("scorer", "rust", "my-order", "cargo build --release --offline", "cargo test --offline && sh test/run.sh '\(studio)' target/release",
         "target/release/libstudio_my_order.so"),
        ("scorer", "swift", "my-names", "swift build -c release", "sh test/run.sh '\(studio)' .build/release",
         ".build/release/libstudio_my_names.so"),
        ("provider", "swift", "my-lines", "swift build -c release", "sh test/run.sh '\(studio)' .build/release",
         ".build/release/libstudio_my_lines.so"),
    ]

    @Test(arguments: 0..<5)
    func templateBuildsVerifiesInstallsAndWorks(index: Int) throws {
        let (kind, language, name, build, test, library) = Self.templates[index]
        if language == "rust", !FileManager.default.isExecutableFile(atPath: "/usr/local/cargo/bin/cargo"),
           (try? TestSupport.run("/bin/sh", ["-c", "command -v cargo"]).status) != 0 {
            Issue.record("cargo is not installed")
            return
        }
        let work = TestSupport.temporaryDirectory("template-\(language)-\(kind)")
        let project = work.appendingPathComponent(name).path
        // Kind and language in either order.
        let words = index % 2 == 0 ? [kind, language, name] : [language, kind, name]
        let created = try TestSupport.run(Self.studio, ["plugins", "new"] + words + ["--output", project], environment: Self.environment)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try TestSupport.run(Self.studio, ["plugins", "new", kind, language, name, "--output", project], environment: Self.environment).status == 1,
                "an existing folder is never overwritten")

        let built = try Self.sh(build, in: project)
        #expect(built.status == 0, "\(build): \(built.stdout.suffix(2000)) \(built.stderr.suffix(2000))")
        let tested = try Self.sh(test, in: project)
        #expect(tested.status == 0, "\(test): \(tested.stdout.suffix(2000)) \(tested.stderr.suffix(2000))")
        #expect(tested.stdout.contains("sample test:"))

        let lib = project + "/" + library
        let verified = try TestSupport.run(Self.studio, ["plugins", "verify", lib, "--json"], environment: Self.environment)
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(try JSONParser.parse(verified.stdout)["plugin"]?["id"]?.stringValue == name)

        let data = work.appendingPathComponent("data").path
        let installed = try TestSupport.run(Self.studio, ["plugins", "install", lib, "--data", data], environment: Self.environment)
        #expect(installed.status == 0, "\(installed.stderr)")
        let listed = try JSONParser.parse(try TestSupport.run(Self.studio, ["plugins", "list", "--json", "--data", data],
                                                              environment: Self.environment).stdout)
        #expect(listed["plugins"]?.arrayValue?.contains { $0["id"]?.stringValue == name && $0["path"]?.stringValue?.hasPrefix(data) == true } == true)

        // In use, from the data folder's plugins (not the build folder).
        if kind == "scorer" {
            let cases = work.appendingPathComponent("cases.jsonl").path, outputs = work.appendingPathComponent("outputs.jsonl").path
            try #"{"id":"c1","prompt":"Weather in Paris?","expected_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]}"#
                .write(toFile: cases, atomically: true, encoding: .utf8)
            try #"{"id":"o1","case_id":"c1","calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]}"#
                .write(toFile: outputs, atomically: true, encoding: .utf8)
            let scored = try TestSupport.run(Self.studio, ["score", "--scorer", name, "--cases", cases, "--outputs", outputs, "--json", "--data", data],
                                             environment: Self.environment)
            #expect(scored.status == 0 && (try? JSONParser.parse(scored.stdout))?["score"]?.doubleValue == 1, "\(scored.stdout) \(scored.stderr)")
        } else {
            let bench = try TestSupport.run(Self.studio, ["bench", "--provider", name, "--base-url", "simulator", "--model", "sim-ttft30-gap5-tok10",
                                                          "--runs", "2", "--max-tokens", "10", "--no-warmup", "--json", "--data", data],
                                            environment: Self.environment)
            #expect(bench.status == 0, "\(bench.stderr)")
            let runs = (try? JSONParser.parse(bench.stdout))?["runs"]?.arrayValue ?? []
            #expect(runs.count == 2 && runs.allSatisfy { $0["ok"] == true && $0["output_tokens"] == 10 })
            // TTFT from the simulator's schedule (30 ms), measured by the host, not the plugin.
            #expect(runs.allSatisfy { ($0["ttft_ms"]?.doubleValue ?? 0) >= 29 })
        }

        // A library changed after install is refused at load, with a clear message.
        let installedPath = data + "/plugins/" + URL(fileURLWithPath: lib).lastPathComponent
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: installedPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        let after = try TestSupport.run(Self.studio, ["plugins", "list", "--json", "--data", data], environment: Self.environment)
        let errors = (try? JSONParser.parse(after.stdout))?["errors"]?.arrayValue ?? []
        #expect(errors.contains { $0["message"]?.stringValue?.contains("changed since it was installed") == true }, "\(after.stdout)")
        try? FileManager.default.removeItem(at: work)
    }

    @Test func badNewCommandsAreUsageErrors() throws {
        let work = TestSupport.temporaryDirectory("template-bad").path
        for words in [["scorer", "cobol", "x"], ["scorer", "c"], ["scorer", "c", "Bad_Name"], ["widget", "c", "x"]] {
            let result = try TestSupport.run(Self.studio, ["plugins", "new"] + words + ["--output", work + "/x"], environment: Self.environment)
            #expect(result.status == 2, "\(words): \(result.stderr)")
        }
        // Install refuses a library that fails verification, and copies nothing.
        let data = work + "/data"
        let refused = try TestSupport.run(Self.studio, ["plugins", "install", "/etc/hostname", "--data", data], environment: Self.environment)
        #expect(refused.status == 1 && !FileManager.default.fileExists(atPath: data + "/plugins/libstudio_hostname"))
    }

    /// ABI compatibility: a plugin compiled against the frozen copy of the 1.0 headers
    /// loads and verifies in this host (every later 1.x host must keep it so).
    @Test func aPluginBuiltAgainstTheFrozen1_0HeadersLoads() throws {
        let frozen = TestSupport.packageRoot.appendingPathComponent("Tests/StudioTests/Fixtures/abi-1.0").path
        let template = TestSupport.packageRoot.appendingPathComponent("plugin-templates/c-scorer").path
        let common = TestSupport.packageRoot.appendingPathComponent("plugin-templates/c-common").path
        let output = TestSupport.temporaryDirectory("abi-1.0").appendingPathComponent("libstudio_frozen.so").path
        let result = try TestSupport.run(TestSupport.cc, ["-std=c11", "-O1", "-shared", "-fPIC", "-fvisibility=hidden", "-I", frozen, "-I", common,
                                                          template + "/regex_args.c", common + "/json.c", "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let report = PluginConformance.verify(path: output)
        #expect(report.passed, "\(report.checks.filter { !$0.passed }.map(\.detail))")
        #expect(report.plugin?.abiVersion.description == "1.0")
    }
}

/// `POST /api/admin/plugins/rescan`: a library dropped into a plugins folder after start
/// appears; one whose checksum differs from the recorded install is refused.
@Suite struct PluginRescanTests {
    @Test func rescanLoadsNewLibrariesAndEnforcesRecordedChecksums() async throws {
        let folder = TestSupport.temporaryDirectory("rescan")
        let studio = try await TestStudio.make(.sqlite, plugins: PluginRegistry(searchPath: [.init(path: folder.path)]))
        try await studio.app.test(.router) { client in
            let root = try await client.register("root@example.com")
            let user = try await client.register("user@example.com")
            #expect(try await client.call(.get, "/api/plugins", token: user).body["plugins"]?.arrayValue?.isEmpty == true)
            let copy = folder.appendingPathComponent("libstudio_exact_args.so").path
            try FileManager.default.copyItem(atPath: TestSupport.exactArgsPath, toPath: copy)
            #expect(try await client.call(.post, "/api/admin/plugins/rescan", token: user).status == .forbidden)
            let rescanned = try await client.call(.post, "/api/admin/plugins/rescan", token: root)
            #expect(rescanned.body["plugins"]?.arrayValue?.map { $0["id"]?.stringValue } == ["exact-args"])
            #expect(try await client.call(.get, "/api/plugins", token: user).body["plugins"]?.arrayValue?.count == 1)
            // Recorded at install with other bytes: refused at the next scan.
            try await HostStorage.PluginStore(database: studio.database).record(pluginID: "exact-args", version: "0.1.0", path: copy,
                                                                                sha256: String(repeating: "0", count: 64), installedBy: nil)
            let refused = try await client.call(.post, "/api/admin/plugins/rescan", token: root).body
            #expect(refused["plugins"]?.arrayValue?.isEmpty == true)
            #expect(refused["load_errors"]?.arrayValue?.first?.stringValue?.contains("changed since it was installed") == true)
            #expect(try await studio.services.accounts.audit.search(action: "admin.plugins.rescan").count == 2)
        }
        await studio.close()
    }
}
