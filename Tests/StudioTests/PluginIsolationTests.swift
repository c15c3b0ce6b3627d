import HostAuth
import Foundation
import HostHTTP
import HostPlugins
import HostJobs
import HostSimulator
import HostStorage
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Testing

/// Hostile scorers, made the way a stranger makes a plugin: a copy of the C scorer
/// template with an attack spliced into `score` (Fixtures/hostile/hostile_hook.h). The
/// case names the attack, so one library carries them all.
enum HostilePlugin {
    /// A folder holding libstudio_hostile.so (plugin id "hostile"), built once per process.
    static let folder: URL = build(id: "hostile", flags: [])

    static func build(id: String, flags: [String]) -> URL {
        let folder = TestSupport.temporaryDirectory(id)
        let template = TestSupport.packageRoot.appendingPathComponent("plugin-templates/c-scorer")
        let common = TestSupport.packageRoot.appendingPathComponent("plugin-templates/c-common")
        let hook = TestSupport.packageRoot.appendingPathComponent("Tests/StudioTests/Fixtures/hostile").path
        var source = (try? String(contentsOf: template.appendingPathComponent("regex_args.c"), encoding: .utf8)) ?? ""
        source = source.replacingOccurrences(of: #"\"id\":\"regex-args\""#, with: #"\"id\":\""# + id + #"\""#)
            .replacingOccurrences(of: "#include \"json.h\"\n", with: "#include \"json.h\"\n#include \"hostile_hook.h\"\n")
            .replacingOccurrences(of: "   (void)self;\n", with: "   (void)self;\n   { int h = hostile_hook(case_json, error); if (h >= 0) return h; }\n")
        let file = folder.appendingPathComponent("hostile.c")
        try? source.write(to: file, atomically: true, encoding: .utf8)
        let result = try? TestSupport.run(TestSupport.cc, flags + ["-std=gnu11", "-O1", "-shared", "-fPIC", "-fvisibility=hidden",
                                                            "-I", TestSupport.abiInclude, "-I", common.path, "-I", hook,
                                                            file.path, common.appendingPathComponent("json.c").path,
                                                            "-o", folder.appendingPathComponent("libstudio_\(id.replacingOccurrences(of: "-", with: "_")).so").path])
        if result?.status != 0 { Issue.record("cc failed: \(result?.stderr ?? "not run")") }
        try? FileManager.default.removeItem(at: file)
        return folder
    }

    static var path: String { folder.appendingPathComponent("libstudio_hostile.so").path }

    /// A registry with the hostile scorer from an operator's folder (so: isolated).
    static func registry(deadlineMilliseconds: Int? = nil) -> PluginRegistry {
        var policy = PluginTrustPolicy()
        if let deadlineMilliseconds { policy.overrides["hostile"] = PluginOverride(deadlineMilliseconds: deadlineMilliseconds) }
        return PluginRegistry(searchPath: [.init(path: folder.path)], policy: policy)
    }

    static func testCase(_ attack: String) -> JSONValue {
        ["id": "c", "note": .string(attack), "expected_calls": [["name": "f", "arguments": [:]]]]
    }

    static let output: JSONValue = ["calls": [["name": "f", "arguments": [:]]], "text": "", "finish_reason": "tool_calls"]
}

@Suite(.serialized) struct PluginIsolationTests {
    /// Scores one attack in a fresh registry (so no quarantine carries over).
    func attack(_ attack: String, deadline: Int? = nil) throws -> PluginCallError? {
        let plugin = try #require(HostilePlugin.registry(deadlineMilliseconds: deadline).scorer(id: "hostile"))
        #expect(plugin.isIsolated && plugin.origin == .explicit)
        let scorer = try plugin.makeScorer()
        do {
            _ = try scorer.score(case: HostilePlugin.testCase(attack), output: HostilePlugin.output)
            return nil
        } catch {
            return error
        }
    }

    @Test func anUntrustedPluginLoadsInASandboxedRunner() throws {
        let plugin = try #require(HostilePlugin.registry().scorer(id: "hostile"))
        #expect(plugin.isIsolated)
        // Every protection this kernel offers is in force (CI runs on kernels with all).
        #expect(Set(plugin.sandbox).isSuperset(of: ["rlimits", "seccomp", "landlock"]), "\(plugin.sandbox)")
        let scorer = try plugin.makeScorer()
        let result = try scorer.score(case: HostilePlugin.testCase("none"), output: HostilePlugin.output)
        #expect(result["score"] == 1.0 && result["passed"] == true)
        // Bundled plugins stay in-process by default.
        #expect(TestStudio.builtPlugins.scorer(id: "toolcall")?.isIsolated == false)
    }

    @Test func crashesAreNamedAndTheNextCallRunsInAFreshRunner() throws {
        let plugin = try #require(HostilePlugin.registry().scorer(id: "hostile"))
        let scorer = try plugin.makeScorer()
        for (attack, signal) in [("ATTACK_CRASH", "SIGSEGV"), ("ATTACK_ABORT", "SIGABRT")] {
            #expect(throws: PluginCallError.self) { try scorer.score(case: HostilePlugin.testCase(attack), output: HostilePlugin.output) }
            do { _ = try scorer.score(case: HostilePlugin.testCase(attack), output: HostilePlugin.output) } catch {
                #expect(error.statusName == "plugin_crashed" && error.message.contains(signal), "\(error)")
            }
            plugin.isolation?.release()
            // The same instance works again: it is made anew in the restarted runner.
            #expect(try scorer.score(case: HostilePlugin.testCase("none"), output: HostilePlugin.output)["passed"] == true)
        }
    }

    @Test func aLoopMissesItsDeadlineAndIsKilled() throws {
        let started = Date()
        let error = try #require(try attack("ATTACK_LOOP", deadline: 400))
        let elapsed = Date().timeIntervalSince(started)
        #expect(error.statusName == "plugin_timeout" && error.message.contains("400 ms"), "\(error)")
        #expect(elapsed < 3, "took \(elapsed) s")
    }

    @Test func theSandboxRefusesNetworkForkSignalsSecretsAndMemory() throws {
        // Network and processes: the runner is stopped by the seccomp filter, by name.
        for attack in ["ATTACK_SOCKET", "ATTACK_FORK"] {
            let error = try #require(try self.attack(attack), "\(attack) was not stopped")
            #expect(error.statusName == "plugin_crashed" && error.message.contains("SIGSYS") && error.message.contains("sandbox"), "\(attack): \(error)")
        }
        // Signalling the host: refused (EPERM), the host lives on.
        let kill = try #require(try attack("ATTACK_KILL_PARENT"))
        #expect(kill.message.contains("refused") && !kill.message.contains("ESCAPED"), "\(kill)")
        // A secret next to the data: Landlock refuses the read (EACCES).
        let secrets = TestSupport.temporaryDirectory("secrets")
        let key = secrets.appendingPathComponent("master.key")
        try "the master key".write(to: key, atomically: true, encoding: .utf8)
        let read = try #require(try attack("ATTACK_READ:\(key.path)"))
        #expect(read.message.contains("refused: errno \(EACCES)"), "\(read)")
        // 10 GiB: the address-space limit makes the allocation fail.
        let memory = try #require(try attack("ATTACK_MEMORY"))
        #expect(memory.statusName == "out_of_memory" && memory.message.contains("refused"), "\(memory)")
        // The runner's environment holds none of the host's.
        setenv("STUDIO_TEST_SECRET", "do-not-leak", 1)
        let environ = try #require(try attack("ATTACK_READ:/proc/self/environ"))
        #expect(!environ.message.contains("ESCAPED"), "\(environ)")
    }

    @Test func repeatedCrashesQuarantineThePluginUntilReleased() throws {
        let plugin = try #require(HostilePlugin.registry().scorer(id: "hostile"))
        let scorer = try plugin.makeScorer()
        for _ in 0..<IsolatedPlugin.quarantineFailures {
            _ = try? scorer.score(case: HostilePlugin.testCase("ATTACK_CRASH"), output: HostilePlugin.output)
        }
        #expect(plugin.isolation?.quarantineReason?.contains("quarantined after 3") == true)
        #expect(plugin.listing()["quarantined"]?.stringValue?.contains("SIGSEGV") == true)
        do {
            _ = try scorer.score(case: HostilePlugin.testCase("none"), output: HostilePlugin.output)
            Issue.record("a quarantined plugin was called")
        } catch {
            #expect(error.statusName == "plugin_quarantined")
        }
        plugin.isolation?.release()
        #expect(try scorer.score(case: HostilePlugin.testCase("none"), output: HostilePlugin.output)["passed"] == true)
    }

    @Test func cancellingAStuckScoreEndsItWithinTwoSeconds() async throws {
        let plugin = try #require(HostilePlugin.registry().scorer(id: "hostile"))
        let scorer = try plugin.makeScorer()
        let task = Task { () -> PluginCallError? in
            do throws(PluginCallError) {
                _ = try await scorer.scoreDetached(case: HostilePlugin.testCase("ATTACK_LOOP"), output: HostilePlugin.output)
                return nil
            } catch {
                return error
            }
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let cancelled = Date()
        task.cancel()
        let error = await task.value
        #expect(error?.statusName == "cancelled", "\(String(describing: error))")
        #expect(Date().timeIntervalSince(cancelled) < 2)
        // Another instance of the same plugin is unaffected.
        #expect(try plugin.makeScorer().score(case: HostilePlugin.testCase("none"), output: HostilePlugin.output)["passed"] == true)
    }

    /// `studio plugins verify` on a scorer that hangs on every score: each scoring check
    /// fails by name with the deadline, and verify itself ends (exit 1), it does not hang.
    @Test func verifyReportsAHangAsAFailedCheck() throws {
        let folder = HostilePlugin.build(id: "hangs", flags: ["-DHOSTILE_ALWAYS_HANG"])
        let started = Date()
        let result = try TestSupport.run(TestSupport.studioExecutable, ["plugins", "verify", folder.appendingPathComponent("libstudio_hangs.so").path, "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        let checks = (try? JSONParser.parse(result.stdout))?["checks"]?.arrayValue ?? []
        #expect(checks.first { $0["check"] == "load" }?["passed"] == true)
        let score = checks.first { $0["check"]?.stringValue?.hasPrefix("scorer.score") == true }
        #expect(score?["passed"] == false && score?["detail"]?.stringValue?.contains("plugin_timeout") == true, "\(result.stdout)")
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test func onlyTrustedLibrariesLoad() throws {
        let data = TestSupport.temporaryDirectory("trust")
        let installed = data.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: installed, withIntermediateDirectories: true)
        let copy = installed.appendingPathComponent("libstudio_hostile.so").path
        try FileManager.default.copyItem(atPath: HostilePlugin.path, toPath: copy)
        // Copied into <data>/plugins without an install: refused, named.
        let dropped = PluginRegistry(searchPath: [.init(path: installed.path, origin: .installed)], policy: PluginTrustPolicy())
        #expect(dropped.plugins.isEmpty && dropped.failures.first?.code == "not_installed", "\(dropped.failures)")
        // Installed (checksum recorded): loads, isolated.
        let sha = try PluginLoader.sha256(ofFile: copy)
        let trusted = PluginRegistry(searchPath: [.init(path: installed.path, origin: .installed)],
                                     policy: PluginTrustPolicy(recordedChecksums: [copy: sha]))
        #expect(trusted.plugin(id: "hostile")?.isIsolated == true)
        // Disabled by an admin: refused with that reason.
        let disabled = PluginRegistry(searchPath: [.init(path: installed.path, origin: .installed)],
                                      policy: PluginTrustPolicy(recordedChecksums: [copy: sha], overrides: ["hostile": .init(disabled: true)]))
        #expect(disabled.plugins.isEmpty && disabled.failures.first?.code == "disabled")
        // An admin may run it in-process.
        let local = PluginRegistry(searchPath: [.init(path: installed.path, origin: .installed)],
                                   policy: PluginTrustPolicy(recordedChecksums: [copy: sha], overrides: ["hostile": .init(mode: .inProcess)]))
        #expect(local.plugin(id: "hostile")?.isIsolated == false)
        // A bundle manifest that does not list a library, or lists other bytes: refused.
        let bundle = TestSupport.temporaryDirectory("bundle")
        try FileManager.default.copyItem(atPath: HostilePlugin.path, toPath: bundle.appendingPathComponent("libstudio_hostile.so").path)
        try FileManager.default.copyItem(atPath: TestSupport.exactArgsPath, toPath: bundle.appendingPathComponent("libstudio_exact_args.so").path)
        try "\(String(repeating: "0", count: 64))  libstudio_hostile.so\n".write(to: bundle.appendingPathComponent(BundleManifest.fileName),
                                                                               atomically: true, encoding: .utf8)
        let bundled = PluginRegistry(searchPath: [.init(path: bundle.path, prefixedOnly: true)], policy: PluginTrustPolicy())
        #expect(bundled.plugins.isEmpty && bundled.failures.map(\.code) == ["not_in_bundle", "not_in_bundle"], "\(bundled.failures)")
        // Listed with its bytes: loads in-process, as bundled code does.
        try "\(try PluginLoader.sha256(ofFile: TestSupport.exactArgsPath))  libstudio_exact_args.so\n"
            .write(to: bundle.appendingPathComponent(BundleManifest.fileName), atomically: true, encoding: .utf8)
        let verified = PluginRegistry(searchPath: [.init(path: bundle.path, prefixedOnly: true)], policy: PluginTrustPolicy())
        #expect(verified.plugin(id: "exact-args")?.isIsolated == false && verified.plugin(id: "exact-args")?.origin == .bundled)
    }

    /// Through the server: one user's eval meets a crashing and a looping scorer while
    /// another user's benchmark runs; the server stays up, the other job completes, the
    /// errors are named on the cases, and cancel ends the stuck job within 2 s.
    @Test func aHostilePluginHurtsNobodyElseThroughTheServer() async throws {
        let simulator = try await EmbeddedSimulator.start()
        var policy = PluginTrustPolicy()
        policy.overrides["hostile"] = PluginOverride(deadlineMilliseconds: 60_000)  // the loop waits for the cancel
        let registry = PluginRegistry(searchPath: [.init(path: HostilePlugin.folder.path),
                                                   .init(path: TestSupport.buildDirectory.path, prefixedOnly: true)], policy: policy)
        let studio = try await TestStudio.make(.sqlite, plugins: registry, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let mallory = try await client.register("mallory@example.com")
            let bob = try await client.register("bob@example.com")
            try await JobsHTTPTests.addSimulatorModel(client, mallory, "sim-ttft10-gap1-toolscall")
            try await JobsHTTPTests.addSimulatorModel(client, bob, "sim-ttft10-gap1-tok64")
            var suite = EvalHTTPTests.suite.objectValue!
            suite["cases"] = [
                ["id": "fine", "prompt": "Please call get_weather for Paris", "expected_calls": [["name": "get_weather", "arguments": ["city": "Paris"]]]],
                ["id": "crash", "prompt": "Please call get_weather for ATTACK_CRASH", "expected_calls": [["name": "get_weather"]]],
                ["id": "after", "prompt": "Please call get_time for Tokyo", "expected_calls": [["name": "get_time", "arguments": ["zone": "Tokyo"]]]],
            ]
            let suiteID = try #require(try await client.call(.post, "/api/suites", token: mallory, json: .object(suite)).body["id"]?.stringValue)
            let target: JSONValue = [["provider_id": "sim-openai", "model_id": "sim-ttft10-gap1-toolscall"]]
            let eval = try await client.call(.post, "/api/evals", token: mallory, json: ["suite_id": .string(suiteID), "targets": target, "scorer": "hostile"])
            #expect(eval.status == .accepted, "\(eval.body)")
            let bench = try await client.call(.post, "/api/benchmarks", token: bob, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft10-gap1-tok64"]], "runs": 3, "warmup": false, "max_tokens": 16])
            #expect(bench.status == .accepted, "\(bench.body)")
            let evalJob = try #require(eval.body["job_id"]?.stringValue), benchJob = try #require(bench.body["job_id"]?.stringValue)
            func status(_ job: String, _ token: String) async throws -> String? {
                try await client.call(.get, "/api/jobs/\(job)", token: token).body["state"]?.stringValue
            }
            try await JobsHTTPTests.waitFor("both jobs") {
                let evalStatus = try await status(evalJob, mallory), benchStatus = try await status(benchJob, bob)
                return evalStatus == "done" && benchStatus == "done"
            }
            let events = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(evalJob)/events", method: .get,
                                                                           headers: [.authorization: "Bearer \(mallory)"]).body))
            let results = Dictionary(events.filter { $0.event == "result" }.map { ($0.data["case_id"]?.stringValue ?? "", $0.data) },
                                     uniquingKeysWith: { a, _ in a })
            #expect(results["fine"]?["passed"] == true && results["after"]?["passed"] == true, "\(results)")
            #expect(results["crash"]?["error_type"] == "plugin_crashed", "\(results["crash"] ?? .null)")

            // A stuck scorer: cancel ends the job within 2 s; the server answers meanwhile.
            suite["cases"] = [["id": "stuck", "prompt": "Please call get_weather for ATTACK_LOOP", "expected_calls": [["name": "get_weather"]]]]
            let stuckSuite = try #require(try await client.call(.post, "/api/suites", token: mallory, json: .object(suite)).body["id"]?.stringValue)
            let stuck = try #require(try await client.call(.post, "/api/evals", token: mallory, json: [
                "suite_id": .string(stuckSuite), "targets": target, "scorer": "hostile"]).body["job_id"]?.stringValue)
            try await JobsHTTPTests.waitFor("the stuck eval to reach its scorer") {
                let events = try await client.call(.get, "/api/jobs/\(stuck)", token: mallory).body
                return events["state"] == "running"
            }
            try await Task.sleep(nanoseconds: 500_000_000)
            let me = try await client.call(.get, "/api/auth/me", token: bob)
            #expect(me.status == .ok)
            let asked = Date()
            let cancel = try await client.call(.post, "/api/jobs/\(stuck)/cancel", token: mallory)
            #expect(cancel.status == .accepted)
            try await JobsHTTPTests.waitFor("the cancel", timeout: 2) { try await status(stuck, mallory) == "cancelled" }
            #expect(Date().timeIntervalSince(asked) < 2)
            // Refusals and modes are visible; paths only to admins (the first account is the admin).
            let listing = try await client.call(.get, "/api/plugins", token: bob).body
            let hostile = listing["plugins"]?.arrayValue?.first { $0["id"] == "hostile" }
            #expect(hostile?["mode"] == "isolated" && hostile?["path"] == nil && hostile?["sandbox"]?.arrayValue?.isEmpty == false)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    /// An admin's decisions through the API: disable and enable, mode, deadline; a
    /// quarantine is recorded in the database, outlives a rescan, and an admin lifts it.
    @Test func adminsDecideAndQuarantinesPersist() async throws {
        let studio = try await TestStudio.make(.sqlite, plugins: PluginRegistry(searchPath: [.init(path: HostilePlugin.folder.path)]))
        try await studio.app.test(.router) { client in
            let root = try await client.register("root@example.com")
            let user = try await client.register("user@example.com")
            #expect(try await client.call(.post, "/api/admin/plugins/rescan", token: root).status == .ok)
            #expect(try await client.call(.put, "/api/admin/plugins/hostile", token: user, json: ["disabled": true]).status == .forbidden)
            #expect(try await client.call(.put, "/api/admin/plugins/nobody", token: root, json: ["disabled": true]).status == .notFound)
            let bad = try await client.call(.put, "/api/admin/plugins/hostile", token: root, json: ["mode": "sideways"])
            #expect(bad.status == .badRequest && bad.body["error"]?["message"]?.stringValue?.contains("mode") == true, "\(bad.body)")

            let disabled = try await client.call(.put, "/api/admin/plugins/hostile", token: root, json: ["disabled": true])
            #expect(disabled.status == .ok && disabled.body["disabled"] == true)
            let listing = try await client.call(.get, "/api/plugins", token: user).body
            #expect(listing["plugins"]?.arrayValue?.isEmpty == true)
            let refused = listing["refused"]?.arrayValue?.first
            #expect(refused?["code"] == "disabled" && refused?["plugin_id"] == "hostile" && refused?["reason"]?.stringValue?.contains("/") == false)
            _ = try await client.call(.put, "/api/admin/plugins/hostile", token: root, json: ["disabled": false, "mode": "in-process"])
            #expect(try await client.call(.get, "/api/plugins", token: user).body["plugins"]?.arrayValue?.first?["mode"] == "in-process")
            _ = try await client.call(.put, "/api/admin/plugins/hostile", token: root, json: ["mode": "default", "deadline_ms": 500])
            let plugin = try #require(studio.services.plugins.scorer(id: "hostile"))
            #expect(plugin.isIsolated && plugin.isolation?.library.deadlines.scoreMilliseconds == 500)

            // Three crashes: quarantined, written down, still quarantined after a rescan.
            let scorer = try plugin.makeScorer()
            for _ in 0..<IsolatedPlugin.quarantineFailures {
                _ = try? scorer.score(case: HostilePlugin.testCase("ATTACK_CRASH"), output: HostilePlugin.output)
            }
            try await JobsHTTPTests.waitFor("the quarantine to be recorded") {
                try await PluginPolicyStore(database: studio.database).find("hostile")?.quarantineReason != nil
            }
            #expect(try await client.call(.post, "/api/admin/plugins/rescan", token: root).status == .ok)
            let quarantined = try await client.call(.get, "/api/plugins", token: user).body["plugins"]?.arrayValue?.first?["quarantined"]
            #expect(quarantined?.stringValue?.contains("SIGSEGV") == true, "\(String(describing: quarantined))")
            let released = try await client.call(.put, "/api/admin/plugins/hostile", token: root, json: ["release_quarantine": true])
            #expect(released.status == .ok && released.body["quarantined"] == .null)
            let fresh = try #require(studio.services.plugins.scorer(id: "hostile"))
            #expect(fresh.isolation?.quarantineReason == nil)
            #expect(try fresh.makeScorer().score(case: HostilePlugin.testCase("none"), output: HostilePlugin.output)["passed"] == true)
            #expect(try await studio.services.accounts.audit.search(action: "admin.plugins.policy").count == 4)
        }
        await studio.close()
    }

    /// An isolated stream costs one request to the runner (its decoder made with the first
    /// batch, finished and released with the last) and leaves nothing behind in the runner;
    /// a decoder not finished that way is released when the host drops it.
    @Test func anIsolatedStreamCostsOneRequestAndLeavesNothingBehind() throws {
        let isolated = try PluginRegistry.loadIsolated(path: TestSupport.openAIPath, sha256: nil, origin: .explicit, policy: PluginTrustPolicy(), id: nil)
        defer { isolated.isolation?.stopRunners() }
        let census = try #require(isolated.isolation)
        let provider = try isolated.makeProvider(config: ["base_url": "http://127.0.0.1:9/v1"])
        let request: JSONValue = ["model": "m", "stream": true, "messages": [["role": "user", "content": "hi"]], "params": ["max_tokens": 8]]
        let stream = Array((SampleStreams.byAPI["openai-chat"] ?? "").utf8)
        let reads = stride(from: 0, to: stream.count, by: 16).map { Array(stream[$0..<min(stream.count, $0 + 16)]) }
        let before = census.census()
        #expect(before.providers == 1 && before.decoders == 0)
        for _ in 0..<20 {
            let decoder = try provider.makeDecoder(forJSON: request.jsonString, deferCreation: true)
            var tokens = 0
            do throws(BatchFailure) {
                try decoder.decodeBatch(reads, finishing: true) { _, event in if event.carriesToken { tokens += 1 } }
            } catch {
                Issue.record("batch failed at read \(error.readIndex): \(error.error)")
            }
            #expect(tokens > 0)
        }
        let after = census.census()
        #expect(after.requestsSent - before.requestsSent == 20, "one request per stream")
        #expect(after.decoders == 0)

        // Made at once and dropped unfinished: released by a message of its own.
        do {
            let decoder = try provider.makeDecoder(for: request)
            try decoder.decode(reads[0]) { _ in }
            #expect(census.census().decoders == 1)
        }
        #expect(census.census().decoders == 0)
    }

    /// An isolated decoder sees the same bytes and gives the same events as the
    /// in-process one, whatever the read boundaries; a provider's other members too.
    @Test func anIsolatedProviderDecodesExactlyAsInProcess() throws {
        let local = try PluginLoader.load(path: TestSupport.openAIPath)
        let isolated = try PluginRegistry.loadIsolated(path: TestSupport.openAIPath, sha256: nil, origin: .explicit, policy: PluginTrustPolicy(), id: nil)
        let config: JSONValue = ["base_url": "http://127.0.0.1:9/v1"]
        let request: JSONValue = ["model": "m", "stream": true, "messages": [["role": "user", "content": "hi"]], "params": ["max_tokens": 8]]
        let providers = (try local.makeProvider(config: config), try isolated.makeProvider(config: config))
        #expect(try providers.0.buildRequest(request) == providers.1.buildRequest(request))
        #expect(try providers.0.classifyError(status: 429, body: Array("{}".utf8)) == providers.1.classifyError(status: 429, body: Array("{}".utf8)))
        let stream = Array((SampleStreams.byAPI["openai-chat"] ?? "").utf8)
        #expect(!stream.isEmpty)
        for chunk in [1, 7, 64, stream.count] {
            func decode(_ provider: ProviderInstance) throws -> [DecodedEvent] {
                let decoder = try provider.makeDecoder(for: request)
                var events: [DecodedEvent] = []
                var offset = 0
                while offset < stream.count {
                    let end = min(stream.count, offset + chunk)
                    try decoder.decode(Array(stream[offset..<end])) { events.append($0) }
                    offset = end
                }
                try decoder.finish { events.append($0) }
                return events
            }
            let expected = try decode(providers.0)
            #expect(expected.contains { $0.carriesToken })
            #expect(try decode(providers.1) == expected, "chunk \(chunk)")
        }
        // Batches (how the host feeds an isolated decoder): same events, each with its read's
        // index, and a malformed read stops the batch at that read on both backends.
        let reads = stride(from: 0, to: stream.count, by: 40).map { Array(stream[$0..<min(stream.count, $0 + 40)]) }
        let broken = Array(reads.prefix(2)) + [Array("data: {not json\n\n".utf8)] + Array(reads.dropFirst(2))
        func batch(_ provider: ProviderInstance, _ reads: [[UInt8]]) -> ([Int], Int?, String?) {
            guard let decoder = try? provider.makeDecoder(for: request) else { return ([], nil, "no decoder") }
            var indices: [Int] = []
            do throws(BatchFailure) {
                try decoder.decodeBatch(reads) { index, _ in indices.append(index) }
                return (indices, nil, nil)
            } catch {
                return (indices, error.readIndex, error.error.statusName)
            }
        }
        #expect(providers.1.makeDecoderPrefersBatches && !providers.0.makeDecoderPrefersBatches)
        let whole = (batch(providers.0, reads), batch(providers.1, reads))
        #expect(whole.0.0 == whole.1.0 && whole.0.1 == nil && whole.1.1 == nil && !whole.0.0.isEmpty)
        let failing = (batch(providers.0, broken), batch(providers.1, broken))
        #expect(failing.0.0 == failing.1.0 && failing.0.1 == failing.1.1 && failing.0.2 == failing.1.2, "\(failing)")
        #expect(failing.1.1 == 2 && failing.1.2 == "malformed_stream", "\(failing)")
        isolated.isolation?.stopRunners()
    }

    /// `studio serve` in its own process, with a hostile plugin from STUDIO_PLUGIN_PATH:
    /// a crash is a named case result and the server answers on; with a scorer stuck in a
    /// loop, SIGTERM still stops the server promptly, and no runner outlives it.
    @Test func serveSurvivesACrashAndStopsOnSIGTERMWhileAPluginHangs() throws {
        let folder = TestSupport.temporaryDirectory("serve-hostile")
        var environment = SecretsEndToEndTests.serveEnvironment(folder: folder)
        // The plugin in a folder of this test's own, so the runners it leaves (if any) are
        // told apart from those of tests that run beside it.
        let own = folder.appendingPathComponent("serve-plugins")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: HostilePlugin.path, toPath: own.appendingPathComponent("libstudio_hostile.so").path)
        environment["STUDIO_PLUGIN_PATH"] = own.path
        let server = try SecretsEndToEndTests.startServe(folder: folder, environment: environment)
        defer { if server.process.isRunning { server.process.terminate() } }
        func call(_ method: String, _ path: String, token: String? = nil, body: JSONValue? = nil) throws -> SecretsEndToEndTests.Reply {
            try SecretsEndToEndTests.curl(server.base, method, path, token: token, body: body?.jsonString)
        }
        let token = try #require(try call("POST", "/api/auth/register", body: ["email": "eve@example.com", "password": "eve-Pa55word-long"])
            .json["access_token"]?.stringValue)
        let plugins = try call("GET", "/api/plugins", token: token).json["plugins"]?.arrayValue ?? []
        #expect(plugins.first { $0["id"] == "hostile" }?["mode"] == "isolated", "\(plugins)")
        let sim = try #require(try call("GET", "/api/providers", token: token).json["providers"]?.arrayValue?
            .first { $0["slug"] == "sim-openai" }?["id"]?.stringValue)
        #expect(try call("POST", "/api/providers/\(sim)/models", token: token, body: ["model_id": "sim-ttft10-gap1-toolscall"]).status == 201)
        func eval(_ prompt: String) throws -> String {
            var suite = EvalHTTPTests.suite.objectValue!
            suite["cases"] = [["id": "c", "prompt": .string(prompt), "expected_calls": [["name": "get_weather"]]]]
            let suiteID = try #require(try call("POST", "/api/suites", token: token, body: .object(suite)).json["id"]?.stringValue)
            return try #require(try call("POST", "/api/evals", token: token, body: [
                "suite_id": .string(suiteID), "scorer": "hostile",
                "targets": [["provider_id": "sim-openai", "model_id": "sim-ttft10-gap1-toolscall"]]]).json["job_id"]?.stringValue)
        }
        func state(_ job: String) throws -> String? { try call("GET", "/api/jobs/\(job)", token: token).json["state"]?.stringValue }
        func wait(_ what: String, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline {
                if try condition() { return }
                usleep(50_000)
            }
            Issue.record("timed out waiting for \(what)")
        }

        let crashed = try eval("Please call get_weather for ATTACK_CRASH")
        try wait("the crashing eval") { try state(crashed) == "done" }
        let events = try SecretsEndToEndTests.curl(server.base, "GET", "/api/jobs/\(crashed)/events", token: token).body
        #expect(events.contains("plugin_crashed"), "\(events.prefix(2000))")
        #expect(try call("GET", "/healthz").status == 200)

        let stuck = try eval("Please call get_weather for ATTACK_LOOP")
        try wait("the stuck eval to run") { try state(stuck) == "running" }
        usleep(300_000)
        let asked = Date()
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(Date().timeIntervalSince(asked) < 5, "SIGTERM took \(Date().timeIntervalSince(asked)) s")
        usleep(200_000)
        let runners = try TestSupport.run("/usr/bin/pgrep", ["-f", "plugin-runner.*\(own.path)"])
        #expect(runners.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "runners left: \(runners.stdout)")
    }
}
