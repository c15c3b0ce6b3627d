import Foundation
import HostStorage
import SQLKit
import StudioJSON
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Several `studio serve` processes sharing one real PostgreSQL database (docs/deploy.md): a job
/// followed from another instance, jobs run exactly once, a schedule fires once, and an
/// instance killed mid-job leaves it `interrupted` for the others to see.
@Suite(.serialized) struct MultiInstanceTests {
    struct Cluster {
        let servers: [SecretsEndToEndTests.Server]
        let databaseURL: String
        var bases: [String] { servers.map(\.base) }

        func stop() {
            for server in servers where server.process.isRunning {
                server.process.terminate()
                server.process.waitUntilExit()
            }
        }
    }

    /// `count` instances on one fresh PostgreSQL database, sharing the JWT secret and the
    /// master key (as a deployment does), with short leases and scheduler naps for tests.
    static func cluster(_ count: Int, folder: URL) async throws -> Cluster {
        let url = try await PostgresServer.makeDatabase()
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = folder.path
        environment["STUDIO_DATABASE_URL"] = url
        environment["STUDIO_JWT_SECRET"] = "multi-instance-test-secret-0123456789abcdef"
        environment["STUDIO_MASTER_KEY_FILE"] = folder.appendingPathComponent("master.key").path
        environment["STUDIO_JOB_LEASE_MS"] = "2000"
        environment["STUDIO_SCHEDULER_MAX_SLEEP_MS"] = "300"
        var servers: [SecretsEndToEndTests.Server] = []
        for i in 0..<count {
            let own = folder.appendingPathComponent("instance\(i)")
            try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
            servers.append(try SecretsEndToEndTests.startServe(folder: own, environment: environment))
        }
        return Cluster(servers: servers, databaseURL: url)
    }

    static func json(_ base: String, _ method: String, _ path: String, _ token: String? = nil, _ body: String? = nil) throws -> JSONValue {
        try SecretsEndToEndTests.curl(base, method, path, token: token, body: body).json
    }

    static func wait(_ what: String, timeout: Double = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func jobsScheduleAndCrashAcrossInstances() async throws {
        guard case .success = PostgresServer.adminURL else {
            Issue.record("PostgreSQL is not available: \(PostgresServer.adminURL)")
            return
        }
        let folder = TestSupport.temporaryDirectory("cluster")
        let cluster = try await Self.cluster(3, folder: folder)
        defer { cluster.stop() }
        let (a, b, c) = (cluster.bases[0], cluster.bases[1], cluster.bases[2])

        // An account made on one instance signs in on another (shared secret, shared rate limits).
        let root = try #require(try Self.json(a, "POST", "/api/auth/register", nil, #"{"email":"root@example.com","password":"long enough pass"}"#)["access_token"]?.stringValue)
        let ada = try #require(try Self.json(b, "POST", "/api/auth/register", nil, #"{"email":"ada@example.com","password":"long enough pass"}"#)["access_token"]?.stringValue)
        let adaID = try #require(try Self.json(c, "GET", "/api/auth/me", ada)["id"]?.stringValue)
        _ = try Self.json(a, "PUT", "/api/admin/users/\(adaID)", root, #"{"max_concurrent_jobs":20,"max_jobs_per_hour":100}"#)

        // A job submitted to instance A, followed over SSE on instance C to `complete`.
        let request = #"{"targets":[{"provider":"sim-openai","model":"sim-ttft80-gap10-tok128"}],"runs":2,"warmup":false,"max_tokens":8}"#
        let first = try #require(try Self.json(a, "POST", "/api/benchmarks", ada, request)["job_id"]?.stringValue)
        let stream = try SecretsEndToEndTests.curl(c, "GET", "/api/jobs/\(first)/events", token: ada)
        let frames = SSE.parse(stream.body)
        #expect(frames.last?.event == "complete", "\(stream.body)")
        #expect(frames.compactMap(\.id) == Array(1...frames.count))
        // Resume on instance B from event 2: the rest, once.
        let resumed = SSE.parse(try SecretsEndToEndTests.curl(b, "GET", "/api/jobs/\(first)/events?last_event_id=2", token: ada).body)
        #expect(resumed == Array(frames.dropFirst(2)))

        // 20 jobs submitted across the instances: each runs exactly once.
        var jobs: [String] = []
        for i in 0..<20 {
            let body = #"{"targets":[{"provider":"sim-openai","model":"sim-ttft20-gap2-tok4"}],"runs":1,"warmup":false,"max_tokens":4,"queue":true}"#
            if i == 0 {
                let providers = try Self.json(a, "GET", "/api/providers", ada)["providers"]?.arrayValue ?? []
                let sim = try #require(providers.first { $0["slug"] == "sim-openai" }?["id"]?.stringValue)
                _ = try Self.json(a, "POST", "/api/providers/\(sim)/models", ada, #"{"model_id":"sim-ttft20-gap2-tok4"}"#)
            }
            jobs.append(try #require(try Self.json(cluster.bases[i % 3], "POST", "/api/benchmarks", ada, body)["job_id"]?.stringValue))
        }
        try Self.wait("20 jobs to finish") {
            try jobs.allSatisfy { try Self.json(b, "GET", "/api/jobs/\($0)", ada)["state"] == "done" }
        }
        let database = try await StudioDatabase.open(cluster.databaseURL)
        let runsPerJob = try await database.withSQL { db in
            try await db.raw("SELECT job_id, COUNT(*) AS n FROM benchmark_runs GROUP BY job_id").all()
                .map { (try $0.decode(column: "job_id", as: String.self), try $0.decode(column: "n", as: Int.self)) }
        }
        for job in jobs { #expect(runsPerJob.first { $0.0 == job }?.1 == 1, "job \(job) ran once") }
        let instances = try await database.withSQL { db in
            try await db.raw("SELECT DISTINCT claimed_by FROM jobs").all(decodingColumn: "claimed_by", as: String.self)
        }
        #expect(instances.count >= 2, "the queue is shared: \(instances.count) instance(s) ran jobs")

        // A schedule due now fires once across the three schedulers.
        let schedule = try #require(try Self.json(c, "POST", "/api/schedules", ada, """
            {"name":"hourly","kind":"benchmark","interval_hours":1,"request":\(request)}
            """)["id"]?.stringValue)
        try await database.withSQL { db in
            try await db.update("schedules").set("next_fire_at", to: SQLBind(Clock.milliseconds())).where("id", .equal, schedule).run()
        }
        try Self.wait("the schedule to fire") { (try Self.json(a, "GET", "/api/schedules/\(schedule)/firings", ada)["firings"]?.arrayValue?.count ?? 0) >= 1 }
        usleep(1_500_000)  // several scheduler naps on every instance
        #expect(try Self.json(b, "GET", "/api/schedules/\(schedule)/firings", ada)["firings"]?.arrayValue?.count == 1)

        // SIGKILL the instance running a long job: it ends `interrupted` within the lease,
        // seen from the others, which keep serving.
        _ = try Self.json(a, "POST", "/api/providers/\(try #require((try Self.json(a, "GET", "/api/providers", ada)["providers"]?.arrayValue ?? []).first { $0["slug"] == "sim-openai" }?["id"]?.stringValue))/models", ada,
                          #"{"model_id":"sim-ttft20-gap50-tok40"}"#)
        let long = try #require(try Self.json(a, "POST", "/api/benchmarks", ada,
            #"{"targets":[{"provider":"sim-openai","model":"sim-ttft20-gap50-tok40"}],"runs":20,"warmup":false,"max_tokens":40}"#)["job_id"]?.stringValue)
        var owner: String?
        try Self.wait("the long job to start") {
            let job = try Self.json(b, "GET", "/api/jobs/\(long)", ada)
            owner = job["state"] == "running" ? job["instance"]?.stringValue : nil
            return owner != nil
        }
        var victim: SecretsEndToEndTests.Server?
        for server in cluster.servers where try Self.json(server.base, "GET", "/api/admin/system", root)["instance"]?.stringValue == owner {
            victim = server
        }
        let killed = try #require(victim)
        kill(killed.process.processIdentifier, SIGKILL)
        killed.process.waitUntilExit()
        let survivor = try #require(cluster.servers.first { $0.process.isRunning })
        try Self.wait("the job to be interrupted", timeout: 20) {
            try Self.json(survivor.base, "GET", "/api/jobs/\(long)", ada)["state"] == "interrupted"
        }
        #expect(try SecretsEndToEndTests.curl(survivor.base, "GET", "/healthz").status == 200)
        let events = SSE.parse(try SecretsEndToEndTests.curl(survivor.base, "GET", "/api/jobs/\(long)/events", token: ada).body)
        #expect(events.last?.event == "error" && events.last?.data["state"] == "interrupted")
        await database.close()
    }

    /// LISTEN/NOTIFY between two connections of the studio's database layer, and the job
    /// announcements built on it: another instance's announcement arrives, one's own does not.
    @Test func announcementsCrossInstancesThroughPostgres() async throws {
        guard case .success = PostgresServer.adminURL else {
            Issue.record("PostgreSQL is not available: \(PostgresServer.adminURL)")
            return
        }
        let url = try await PostgresServer.makeDatabase()
        let one = try await StudioDatabase.open(url), two = try await StudioDatabase.open(url)
        try await Migrations.run(on: one)
        let heard = Mutex<[String]>([])
        let listener = Task { await JobStore(database: one).listenForAnnouncements(instance: "one") { job in heard.withLock { $0.append(job) } } }
        try await Task.sleep(nanoseconds: 300_000_000)  // LISTEN in place
        try await JobStore(database: two).announce(jobID: "job-from-two", from: "two")
        try await JobStore(database: two).announce(jobID: "job-from-one", from: "one")
        let deadline = Date().addingTimeInterval(5)
        while heard.withLock({ $0.isEmpty }) && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(heard.withLock { $0 } == ["job-from-two"])
        listener.cancel()
        await listener.value
        await one.close()
        await two.close()
    }
}
