import Foundation
import StudioJSON
import Testing

/// `scripts/bundle` makes a folder that runs where the Swift toolchain is not: checked by
/// hiding the toolchain (a private mount namespace with an empty /opt/swift) and running
/// the bundled studio — plugins loaded, an offline benchmark, `serve` answering.
@Suite(.serialized) struct BundleTests {
    static var toolchainRoot: String? {
        guard let swift = ["/opt/swift/usr/bin/swift"].first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return URL(fileURLWithPath: swift).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Runs `command` with the toolchain hidden, when this machine lets us (root, unshare).
    static func hidden(_ command: String) throws -> TestSupport.ProcessResult? {
        guard let root = toolchainRoot, getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return nil }
        let probe = try TestSupport.run("/usr/bin/unshare", ["-m", "true"])
        guard probe.status == 0 else { return nil }
        return try TestSupport.run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", "mount -t tmpfs none \(root) && \(command)"])
    }

    @Test func theBundleRunsWithoutTheToolchain() throws {
        let output = TestSupport.temporaryDirectory("bundle").appendingPathComponent("studio").path
        let made = try TestSupport.run(TestSupport.packageRoot.appendingPathComponent("scripts/bundle").path,
                                       ["--bin", TestSupport.buildDirectory.path, "--output", output])
        #expect(made.status == 0, "\(made.stderr)")
        let fm = FileManager.default
        for path in ["bin/studio", "libexec/studio", "config.yaml", "deploy/Dockerfile", "deploy/studio.service",
                     "share/judge-prompts/v1/case-verdict.md", "share/webui/index.html"] {
            #expect(fm.fileExists(atPath: output + "/" + path), "\(path) missing")
        }
        let libraries = try fm.contentsOfDirectory(atPath: output + "/lib")
        #expect(libraries.contains("libswiftCore.so") && libraries.contains("libFoundation.so"))
        let plugins = try fm.contentsOfDirectory(atPath: output + "/plugins").filter { $0.hasPrefix("libstudio_") }
        #expect(plugins.count >= 5)

        let data = TestSupport.temporaryDirectory("bundle-data").path
        let home = "HOME=\(data) STUDIO_MASTER_KEY_FILE=\(data)/master.key"
        guard let list = try Self.hidden("\(home) \(output)/bin/studio plugins list --json") else {
            // No namespace here: at least nothing may resolve to the toolchain.
            let ldd = try TestSupport.run("/bin/sh", ["-c", "LD_LIBRARY_PATH=\(output)/lib ldd \(output)/libexec/studio \(output)/plugins/*.so"])
            #expect(!ldd.stdout.contains("/opt/swift") && !ldd.stdout.contains("not found"), "\(ldd.stdout)")
            return
        }
        #expect(list.status == 0, "\(list.stderr)")
        let listed = try JSONParser.parse(list.stdout)
        #expect(listed["plugins"]?.arrayValue?.count == plugins.count, "\(list.stdout)")
        // Verified against the bundle's manifest: bundled, so in-process.
        #expect(listed["plugins"]?.arrayValue?.allSatisfy { $0["origin"] == "bundled" && $0["mode"] == "in-process" } == true, "\(list.stdout)")
        #expect(listed["errors"]?.arrayValue?.isEmpty == true, "\(list.stdout)")

        let bench = try #require(try Self.hidden("cd \(data) && \(home) \(output)/bin/studio bench --runs 1 --max-tokens 4 --no-warmup --only sim-openai --json"))
        #expect(bench.status == 0, "\(bench.stderr)")
        #expect(try JSONParser.parse(bench.stdout)["runs"]?.arrayValue?.allSatisfy { $0["ok"] == true } == true)

        // serve in the same hidden world, asked over loopback from outside it.
        let port = PostgresServer.freePort()
        let log = data + "/serve.log"
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        serve.arguments = ["-m", "/bin/sh", "-c", "mount -t tmpfs none \(Self.toolchainRoot!) && cd \(data) && \(home) exec \(output)/bin/studio serve --port \(port) --data \(data)/data > \(log) 2>&1"]
        try serve.run()
        defer { serve.terminate(); serve.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<200 where !up {
            up = (try? SecretsEndToEndTests.curl(base, "GET", "/healthz"))?.json["status"] == "ok"
            if !up { usleep(50_000) }
        }
        // What the bundle loaded is the admin's to see (the first account is the admin).
        let admin = try? SecretsEndToEndTests.curl(base, "POST", "/api/auth/register",
                                                   body: #"{"email":"admin@example.com","password":"bundle admin pass"}"#).json["access_token"]?.stringValue
        let system = try? SecretsEndToEndTests.curl(base, "GET", "/api/admin/system", token: admin).json
        // The bundle's own plugins and judge prompts, found beside its executable.
        let healthy = up && system?["plugins"]?["loaded"]?.intValue == Int64(plugins.count) && system?["judge_prompt_versions"] == ["v1", "v2"]
        #expect(healthy, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }
}
