import Foundation
import HTTPTypes
import HostAuth
import HostHTTP
import HostSimulator
import HostStorage
import HostTransport
import Hummingbird
import HummingbirdTesting
import NIOCore
import SQLKit
import StudioJSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Benchmark jobs end to end over HTTP against the simulator: submit, follow over SSE,
/// results stored and exported; busy users, queuing, cancellation, faults, resume.
@Suite(.serialized) struct JobsHTTPTests {
    /// Adds a model to the user's seeded simulator provider (OpenAI wire format).
    static func addSimulatorModel(_ client: some TestClientProtocol, _ token: String, _ model: String) async throws {
        let providers = try await client.call(.get, "/api/providers", token: token).body["providers"]?.arrayValue ?? []
        let sim = try #require(providers.first { $0["slug"] == "sim-openai" }?["id"]?.stringValue)
        let added = try await client.call(.post, "/api/providers/\(sim)/models", token: token, json: ["model_id": .string(model)])
        #expect(added.status == .created, "\(added.body)")
    }

    static func waitFor(_ what: String, timeout: Double = 20, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test(arguments: TestDatabase.allCases)
    func benchmarkJobRunsStreamsStoresAndExports(kind: TestDatabase) async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(kind, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let alice = try await client.register("alice@example.com")
            let bob = try await client.register("bob@example.com")
            let submitted = try await client.call(.post, "/api/benchmarks", token: alice, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]],
                "runs": 3, "warmup": false, "max_tokens": 16, "temperature": 3.5])
            #expect(submitted.status == .accepted, "\(submitted.body)")
            let jobID = try #require(submitted.body["job_id"]?.stringValue)
            // The out-of-range temperature is clamped, and the answer says so.
            let adjustment = submitted.body["adjustments"]?.arrayValue?.first { $0["param"] == "temperature" }
            #expect(adjustment?["action"] == "clamped" && adjustment?["target"] == "sim-openai/sim-ttft80-gap10-tok128")

            // Bad targets name the field; nothing is queued.
            let missing = try await client.call(.post, "/api/benchmarks", token: alice, json: ["targets": [["provider": "sim-openai", "model": "nope"]]])
            #expect(missing.status == .unprocessableContent && missing.body["error"]?["message"]?.stringValue?.hasPrefix("targets[0]") == true)

            // Follow to the end.
            let stream = try await client.execute(uri: "/api/jobs/\(jobID)/events", method: .get, headers: [.authorization: "Bearer \(alice)"])
            #expect(stream.status == .ok && stream.headers[.contentType] == "text/event-stream")
            let frames = SSE.parse(String(buffer: stream.body))
            #expect(frames.map(\.id) == (1...frames.count).map { Optional($0) }, "ids increase by one from 1")
            #expect(frames.last?.event == "complete")
            let results = frames.filter { $0.event == "result" }
            #expect(results.count == 3)
            for result in results {
                #expect(result.data["ok"] == true)
                // The simulator's schedule: first token 80 ms after receipt (debug build: generous bound).
                let ttft = try #require(result.data["ttft_ms"]?.doubleValue)
                #expect(ttft >= 79 && ttft < 200, "ttft \(ttft)")
                #expect(result.data["output_tokens"] == 16)
            }
            let runID = try #require(frames.last?.data["run_id"]?.stringValue)
            #expect(frames.last?.data["aggregates"]?.arrayValue?.first?["ok"] == 3)

            // Resume after event 2: the rest, nothing repeated.
            let resumed = try await client.execute(uri: "/api/jobs/\(jobID)/events", method: .get,
                                                   headers: [.authorization: "Bearer \(alice)", .init("Last-Event-ID")!: "2"])
            let rest = SSE.parse(String(buffer: resumed.body))
            #expect(rest == Array(frames.dropFirst(2)))

            // Stored: job done, run in history with rows and aggregates.
            let job = try await client.call(.get, "/api/jobs/\(jobID)", token: alice).body
            #expect(job["state"] == "done" && job["result_ref"]?["id"]?.stringValue == runID)
            let history = try await client.call(.get, "/api/runs?model=sim-ttft80-gap10-tok128", token: alice).body["runs"]?.arrayValue ?? []
            #expect(history.map { $0["id"]?.stringValue } == [runID])
            #expect(try await client.call(.get, "/api/runs?model=other", token: alice).body["runs"]?.arrayValue?.isEmpty == true)
            let detail = try await client.call(.get, "/api/runs/\(runID)", token: alice).body
            #expect(detail["status"] == "done" && detail["results"]?.arrayValue?.count == 3)
            let stored = detail["results"]?.arrayValue?.compactMap { $0["ttft_ms"]?.doubleValue } ?? []
            #expect(stored == results.compactMap { $0.data["ttft_ms"]?.doubleValue }, "stored rows are the streamed ones")
            let median = detail["aggregates"]?.arrayValue?.first?["ttft_ms"]?["median"]?.doubleValue
            #expect(median == stored.sorted()[1])
            #expect((detail["results"]?.arrayValue?.first?["reads"]?.arrayValue?.count ?? 0) >= 16)

            // Exports: every column filled, ISO times, no secrets.
            let csv = try await client.execute(uri: "/api/runs/\(runID)/export?format=csv", method: .get, headers: [.authorization: "Bearer \(alice)"])
            let lines = String(buffer: csv.body).split(separator: "\r\n")
            #expect(lines.count == 4 && lines[0].hasPrefix("run_id,run_started_at"))
            let cells = lines[1].split(separator: ",", omittingEmptySubsequences: false)
            #expect(cells.count == lines[0].split(separator: ",").count)
            #expect(cells[1].hasSuffix("Z") && cells[9] == "true")
            let json = try await client.call(.get, "/api/runs/\(runID)/export?format=json", token: alice)
            #expect(json.body["results"]?.arrayValue?.count == 3 && json.body["aggregates"] != nil)
            #expect(try await client.call(.get, "/api/runs/\(runID)/export?format=xml", token: alice).status == .badRequest)
            // Per request: one line per stored result, the same TTFT, the id the server gave it.
            let perRequest = try await client.execute(uri: "/api/runs/\(runID)/requests", method: .get, headers: [.authorization: "Bearer \(alice)"])
            let requestRows = String(buffer: perRequest.body).split(separator: "\n").map { try? JSONParser.parse(String($0)) }
            #expect(perRequest.headers[.contentType]?.hasPrefix("application/x-ndjson") == true && requestRows.count == 3)
            for (row, ttft) in zip(requestRows, stored) {
                #expect(abs((row?["ttft_ms"]?.doubleValue ?? -1) - ttft) < 0.001 && row?["level"] == "tier 0" && row?["intended_ms"] == .null)
                #expect(row?["request_id"]?.stringValue.map { id in simulator.log.records.contains { $0.id == id } } == true, "\(String(describing: row))")
            }
            let board = try await client.call(.get, "/api/analytics/leaderboard?period=7d", token: alice).body
            #expect(board["leaderboard"]?.arrayValue?.first?["ttft_ms_median"]?.doubleValue == median)
            let trends = try await client.call(.get, "/api/analytics/trends?model=sim-ttft80-gap10-tok128&period=all", token: alice).body
            #expect(trends["points"]?.arrayValue?.count == 1)

            // A second run, then the two side by side with their differences.
            let again = try #require(try await client.call(.post, "/api/benchmarks", token: alice, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]], "runs": 2, "warmup": false, "max_tokens": 16,
            ]).body["job_id"]?.stringValue)
            let second = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(again)/events", method: .get,
                                                                           headers: [.authorization: "Bearer \(alice)"]).body))
            let secondRun = try #require(second.last?.data["run_id"]?.stringValue)
            let compare = try await client.call(.get, "/api/analytics/compare?runs=\(runID),\(secondRun)", token: alice).body
            let row = compare["rows"]?.arrayValue?.first
            let medians = row?["ttft_ms_median"]?.arrayValue ?? []
            #expect(medians.count == 2 && medians[0]["difference"]?.doubleValue == 0)
            let expected = (medians[1]["value"]?.doubleValue ?? 0) - (medians[0]["value"]?.doubleValue ?? 0)
            #expect(abs((medians[1]["difference"]?.doubleValue ?? .nan) - expected) < 1e-9)
            #expect(try await client.call(.get, "/api/analytics/compare?runs=\(runID)", token: alice).status == .badRequest)
            #expect(try await client.call(.get, "/api/analytics/trends?model=sim-ttft80-gap10-tok128&period=all", token: alice)
                        .body["points"]?.arrayValue?.count == 2)
            // History filters: time, provider, tier; the CSV of the history has every run's rows.
            #expect(try await client.call(.get, "/api/runs?since=2999-01-01", token: alice).body["runs"]?.arrayValue?.isEmpty == true)
            #expect(try await client.call(.get, "/api/runs?provider=sim-openai&tier=0", token: alice).body["runs"]?.arrayValue?.count == 2)
            #expect(try await client.call(.get, "/api/runs?tier=1000", token: alice).body["runs"]?.arrayValue?.isEmpty == true)
            #expect(try await client.call(.get, "/api/runs?since=yesterday", token: alice).status == .badRequest)
            let historyCSV = try await client.execute(uri: "/api/runs?format=csv", method: .get, headers: [.authorization: "Bearer \(alice)"])
            #expect(String(buffer: historyCSV.body).split(separator: "\r\n").count == 1 + 3 + 2)
            let boardCSV = try await client.execute(uri: "/api/analytics/leaderboard?period=all&format=csv", method: .get,
                                                    headers: [.authorization: "Bearer \(alice)"])
            #expect(String(buffer: boardCSV.body).hasPrefix("rank,target,provider,model"))

            // Bob sees none of it.
            #expect(try await client.call(.get, "/api/jobs/\(jobID)", token: bob).status == .notFound)
            #expect(try await client.call(.get, "/api/jobs/\(jobID)/events", token: bob).status == .notFound)
            #expect(try await client.call(.post, "/api/jobs/\(jobID)/cancel", token: bob).status == .notFound)
            #expect(try await client.call(.get, "/api/runs/\(runID)/export?format=csv", token: bob).status == .notFound)
            #expect(try await client.call(.get, "/api/analytics/compare?runs=\(runID),0123456789abcdef", token: bob).status == .notFound)
            #expect(try await client.call(.get, "/api/runs", token: bob).body["runs"]?.arrayValue?.isEmpty == true)
            #expect(try await client.call(.get, "/api/analytics/leaderboard?period=all", token: bob).body["leaderboard"]?.arrayValue?.isEmpty == true)
            #expect(try await client.call(.delete, "/api/runs/\(runID)", token: bob).status == .notFound)
            #expect(try await client.call(.delete, "/api/runs/\(runID)", token: alice).status == .noContent)
            #expect(try await client.call(.get, "/api/runs/\(runID)", token: alice).status == .notFound)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    @Test func busyUserQueueCancellationAndFaults() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let alice = try await client.register("alice@example.com")
            try await Self.addSimulatorModel(client, alice, "sim-ttft20-gap40-tok25")
            let slow: JSONValue = ["targets": [["provider": "sim-openai", "model": "sim-ttft20-gap40-tok25"]], "runs": 4, "warmup": false, "max_tokens": 25]
            let first = try await client.call(.post, "/api/benchmarks", token: alice, json: slow)
            let firstID = try #require(first.body["job_id"]?.stringValue)
            // A second job while the first is active: 409 naming it, unless queued.
            let busy = try await client.call(.post, "/api/benchmarks", token: alice, json: slow)
            #expect(busy.status == .conflict && busy.body["error"]?["code"] == "job_running")
            #expect(busy.response.headers[.init("X-Running-Job")!] == firstID)
            var queued = slow.objectValue!
            queued["queue"] = true
            queued["runs"] = 1
            let second = try await client.call(.post, "/api/benchmarks", token: alice, json: .object(queued))
            #expect(second.status == .accepted && second.body["state"] == "queued")
            let secondID = try #require(second.body["job_id"]?.stringValue)

            // Cancel the first mid-run, after its first result.
            var runID = ""
            try await Self.waitFor("a first result") {
                guard let id = try await client.call(.get, "/api/jobs/\(firstID)", token: alice).body["result_ref"]?["id"]?.stringValue else { return false }
                runID = id
                return (try await studio.services.runStore.results(userID: try #require(try await studio.services.accounts.users.find(email: "alice@example.com")).id, runID: id).count) >= 1
            }
            // …and once the next run is on the wire, so the cancel has a response to cut short
            // (cancelled between two runs, nothing would be in flight).
            try await Self.waitFor("the next run in flight") { simulator.log.records.contains { $0.endAt == 0 } }
            let cancel = try await client.call(.post, "/api/jobs/\(firstID)/cancel", token: alice)
            #expect(cancel.status == .accepted)
            let events = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(firstID)/events", method: .get,
                                                                           headers: [.authorization: "Bearer \(alice)"]).body))
            #expect(events.last?.event == "cancelled")
            let kept = events.filter { $0.event == "result" }.count
            #expect(kept >= 1 && kept < 4, "partial results kept: \(kept)")
            try await Self.waitFor("the cancelled job's state") {
                try await client.call(.get, "/api/jobs/\(firstID)", token: alice).body["state"] == "cancelled"
            }
            let run = try await client.call(.get, "/api/runs/\(runID)", token: alice).body
            #expect(run["status"] == "cancelled" && run["results"]?.arrayValue?.count == kept)
            #expect(try await client.call(.post, "/api/jobs/\(firstID)/cancel", token: alice).status == .conflict)
            // Nothing left running against the simulator: every response ended, one cut short.
            try await Self.waitFor("the simulator's responses to end", timeout: 5) { simulator.log.records.allSatisfy { $0.endAt != 0 } }
            #expect(simulator.log.records.contains { !$0.completed })

            // The queued job ran once the slot freed.
            let secondEvents = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(secondID)/events", method: .get,
                                                                                 headers: [.authorization: "Bearer \(alice)"]).body))
            #expect(secondEvents.last?.event == "complete")

            // Faults are recorded per run with their class; other runs go on.
            for model in ["sim-ttft10-gap2-tok8-fault500", "sim-ttft10-gap2-tok8-fault429", "sim-ttft10-gap2-tok8-faultdisconnect",
                          "sim-ttft10-gap2-tok8"] {
                try await Self.addSimulatorModel(client, alice, model)
            }
            let faults = try await client.call(.post, "/api/benchmarks", token: alice, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft10-gap2-tok8-fault500"],
                            ["provider": "sim-openai", "model": "sim-ttft10-gap2-tok8-fault429"],
                            ["provider": "sim-openai", "model": "sim-ttft10-gap2-tok8-faultdisconnect"],
                            ["provider": "sim-openai", "model": "sim-ttft10-gap2-tok8"]],
                "runs": 2, "warmup": false, "max_tokens": 8])
            let faultJob = try #require(faults.body["job_id"]?.stringValue)
            let faultEvents = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(faultJob)/events", method: .get,
                                                                                headers: [.authorization: "Bearer \(alice)"]).body))
            #expect(faultEvents.last?.event == "complete")
            var classes: [String: [String]] = [:]
            for e in faultEvents where e.event == "result" {
                classes[e.data["model"]?.stringValue ?? "", default: []].append(e.data["error_class"]?.stringValue ?? "ok")
            }
            #expect(classes["sim-ttft10-gap2-tok8-fault500"] == ["http_500", "http_500"])
            #expect(classes["sim-ttft10-gap2-tok8-fault429"] == ["rate_limited", "rate_limited"])
            #expect(classes["sim-ttft10-gap2-tok8-faultdisconnect"] == ["network", "network"])
            #expect(classes["sim-ttft10-gap2-tok8"] == ["ok", "ok"])
            let aggregates = faultEvents.last?.data["aggregates"]?.arrayValue ?? []
            #expect(aggregates.first { $0["model"] == "sim-ttft10-gap2-tok8-fault500" }?["errors"]?["http_500"] == 2)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    @Test func hourlyLimitAndQueuedCancellation() async throws {
        var options = StudioServices.Options()
        options.jobLimits = .init(jobsPerHour: 2, concurrentJobs: 1)
        let studio = try await TestStudio.make(.sqlite, options: options)  // no runner: jobs stay queued
        try await studio.app.test(.router) { client in
            let alice = try await client.register("alice@example.com")
            let body: JSONValue = ["targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]], "queue": true]
            let job = try #require(try await client.call(.post, "/api/benchmarks", token: alice, json: body).body["job_id"]?.stringValue)
            #expect(try await client.call(.post, "/api/benchmarks", token: alice, json: body).status == .accepted)
            let limited = try await client.call(.post, "/api/benchmarks", token: alice, json: body)
            #expect(limited.status == .tooManyRequests && limited.response.headers[.retryAfter] != nil)
            // A queued job cancels at once, and its followers hear it.
            #expect(try await client.call(.post, "/api/jobs/\(job)/cancel", token: alice).status == .accepted)
            let events = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(job)/events", method: .get,
                                                                           headers: [.authorization: "Bearer \(alice)"]).body))
            #expect(events.map(\.event) == ["cancelled"])
            #expect(try await client.call(.get, "/api/jobs/\(job)", token: alice).body["state"] == "cancelled")
        }
        await studio.close()
    }

    /// SIGKILL of `studio serve` mid-job, then a restart: finished runs are there, the job
    /// is `interrupted` (and its followers are told), the database is intact.
    @Test func crashDuringAJobLeavesItInterruptedAndTheDatabaseIntact() async throws {
        let folder = TestSupport.temporaryDirectory("crash")
        let environment = SecretsEndToEndTests.serveEnvironment(folder: folder)
        let first = try SecretsEndToEndTests.startServe(folder: folder, environment: environment)
        let base = first.base
        let token = try #require(try SecretsEndToEndTests.curl(base, "POST", "/api/auth/register",
                                                               body: #"{"email":"ada@example.com","password":"long enough pass"}"#).json["access_token"]?.stringValue)
        let providers = try SecretsEndToEndTests.curl(base, "GET", "/api/providers", token: token).json["providers"]?.arrayValue ?? []
        let sim = try #require(providers.first { $0["slug"] == "sim-openai" }?["id"]?.stringValue)
        _ = try SecretsEndToEndTests.curl(base, "POST", "/api/providers/\(sim)/models", token: token, body: #"{"model_id":"sim-ttft20-gap30-tok20"}"#)
        let job = try #require(try SecretsEndToEndTests.curl(base, "POST", "/api/benchmarks", token: token, body: """
            {"targets":[{"provider":"sim-openai","model":"sim-ttft20-gap30-tok20"}],"runs":20,"warmup":false,"max_tokens":20}
            """).json["job_id"]?.stringValue)
        var runID: String?
        var finished = 0
        for _ in 0..<300 {
            runID = try SecretsEndToEndTests.curl(base, "GET", "/api/jobs/\(job)", token: token).json["result_ref"]?["id"]?.stringValue
            if let runID { finished = try SecretsEndToEndTests.curl(base, "GET", "/api/runs/\(runID)", token: token).json["results"]?.arrayValue?.count ?? 0 }
            if finished >= 2 { break }
            usleep(50_000)
        }
        #expect(finished >= 2)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()

        let second = try SecretsEndToEndTests.startServe(folder: folder, environment: environment)
        defer { second.process.terminate(); second.process.waitUntilExit() }
        let state = try SecretsEndToEndTests.curl(second.base, "GET", "/api/jobs/\(job)", token: token).json
        #expect(state["state"] == "interrupted")
        let run = try SecretsEndToEndTests.curl(second.base, "GET", "/api/runs/\(try #require(runID))", token: token).json
        #expect(run["status"] == "interrupted")
        #expect((run["results"]?.arrayValue?.count ?? 0) >= finished, "every finished run survived")
        let events = SSE.parse(try SecretsEndToEndTests.curl(second.base, "GET", "/api/jobs/\(job)/events", token: token).body)
        #expect(events.last?.event == "error" && events.last?.data["state"] == "interrupted")
        let database = try await StudioDatabase.open(folder.appendingPathComponent("data/studio.db").path)
        let check = try await database.withSQL { db in try await db.raw("PRAGMA integrity_check").first(decodingColumn: "integrity_check", as: String.self) }
        #expect(check == "ok")
        await database.close()
    }

    /// `studio bench --server URL --token T` runs the benchmark as a job on the server and
    /// prints the same ranked table; the run lands in the server's history.
    @Test func benchRemoteModeRunsOnTheServer() async throws {
        let folder = TestSupport.temporaryDirectory("remote-bench")
        let environment = SecretsEndToEndTests.serveEnvironment(folder: folder)
        let server = try SecretsEndToEndTests.startServe(folder: folder, environment: environment)
        defer { server.process.terminate(); server.process.waitUntilExit() }
        let access = try #require(try SecretsEndToEndTests.curl(server.base, "POST", "/api/auth/register",
                                                                body: #"{"email":"ada@example.com","password":"long enough pass"}"#).json["access_token"]?.stringValue)
        let cli = try #require(try SecretsEndToEndTests.curl(server.base, "POST", "/api/auth/cli-tokens", token: access,
                                                             body: #"{"name":"terminal"}"#).json["token"]?.stringValue)
        let studio = TestSupport.studioExecutable
        let table = try TestSupport.run(studio, ["bench", "--server", server.base, "--token", cli, "--model", "sim-openai/sim-ttft80-gap10-tok128",
                                                 "--model", "sim-openai/sim-ttft300-gap25-tok128", "--runs", "2", "--max-tokens", "8", "--no-warmup"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("#  MODEL") == true && lines.count == 3)
        #expect(lines[1].contains("sim-ttft80-gap10-tok128"), "the faster model ranks first: \(table.stdout)")
        #expect(table.stderr.contains("[4/4]"))
        var env = environment
        env["STUDIO_TOKEN"] = cli
        let json = try TestSupport.run(studio, ["bench", "--server", server.base, "--provider", "sim-openai", "--model", "sim-ttft80-gap10-tok128",
                                                "--runs", "1", "--max-tokens", "8", "--no-warmup", "--json"], environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        let document = try JSONParser.parse(json.stdout)
        #expect(document["runs"]?.arrayValue?.count == 1 && document["aggregates"]?.arrayValue?.count == 1)
        let history = try SecretsEndToEndTests.curl(server.base, "GET", "/api/runs", token: access).json["runs"]?.arrayValue ?? []
        #expect(history.count == 2)
        // Usage errors exit 2; a refused benchmark exits 1 with the server's reason.
        #expect(try TestSupport.run(studio, ["bench", "--server", server.base, "--model", "sim-openai/x"]).status == 2)
        let refused = try TestSupport.run(studio, ["bench", "--server", server.base, "--token", cli, "--model", "sim-openai/no-such-model"])
        #expect(refused.status == 1 && refused.stderr.contains("targets[0]"))
        let badToken = try TestSupport.run(studio, ["bench", "--server", server.base, "--token", "nope", "--model", "sim-openai/x"])
        #expect(badToken.status == 1 && badToken.stderr.contains("401"))
    }

    /// A live server on a socket: a follower whose connection drops resumes with
    /// Last-Event-ID and misses nothing, repeats nothing; a quiet job gets heartbeats.
    @Test func resumeAfterADroppedConnectionAndHeartbeats() async throws {
        let simulator = try await EmbeddedSimulator.start()
        var options = StudioServices.Options(simulatorURL: simulator.baseURL)
        options.sseHeartbeatSeconds = 1
        let studio = try await TestStudio.make(.sqlite, options: options)
        let runner = studio.startRunner()
        let transport = Transport()
        try await studio.app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let alice = try await client.register("alice@example.com")
            try await Self.addSimulatorModel(client, alice, "sim-ttft20-gap20-tok10")
            try await Self.addSimulatorModel(client, alice, "sim-ttft2500-gap1-tok1")
            let job = try #require(try await client.call(.post, "/api/benchmarks", token: alice, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft20-gap20-tok10"]], "runs": 6, "warmup": false, "max_tokens": 10,
            ]).body["job_id"]?.stringValue)

            func read(_ lastEventID: Int?, stopAfter: Int?) async throws -> (frames: [SSEFrame], text: String) {
                var headers = [("Authorization", "Bearer \(alice)")]
                if let lastEventID { headers.append(("Last-Event-ID", String(lastEventID))) }
                let (_, events) = try transport.exchange(method: "GET", url: base + "/api/jobs/\(job)/events", headers: headers, body: nil)
                var text = ""
                for try await event in events {
                    guard case .body(let buffer, _) = event else { continue }
                    text += String(buffer: buffer)
                    if let stopAfter, SSE.parse(text).count >= stopAfter { break }  // drops the connection mid-job
                }
                return (SSE.parse(text), text)
            }
            let first = try await read(nil, stopAfter: 3)
            #expect(first.frames.last?.event != "complete", "the job was still running when the connection dropped")
            let rest = try await read(first.frames.last?.id, stopAfter: nil)
            let all = first.frames + rest.frames
            #expect(all.compactMap(\.id) == Array(1...all.count), "no event missed or repeated")
            #expect(all.last?.event == "complete" && all.filter { $0.event == "result" }.count == 6)

            // A slow first token: the follower hears heartbeats while nothing happens.
            let slow = try #require(try await client.call(.post, "/api/benchmarks", token: alice, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft2500-gap1-tok1"]], "runs": 1, "warmup": false, "max_tokens": 1,
            ]).body["job_id"]?.stringValue)
            let (_, events) = try transport.exchange(method: "GET", url: base + "/api/jobs/\(slow)/events",
                                                     headers: [("Authorization", "Bearer \(alice)")], body: nil)
            var text = ""
            for try await event in events { if case .body(let buffer, _) = event { text += String(buffer: buffer) } }
            #expect(text.contains(": heartbeat\n\n"))
            #expect(SSE.parse(text).last?.event == "complete")

            // The admin sees every job; a non-admin does not reach the admin list.
            let jobs = try await client.call(.get, "/api/admin/jobs", token: alice)
            #expect(jobs.status == .ok, "alice is the first user, so admin")
            #expect(jobs.body["jobs"]?.arrayValue?.count == 2)
        }
        try? await transport.shutdown()
        await studio.close(runner: runner)
        await simulator.stop()
    }
}
