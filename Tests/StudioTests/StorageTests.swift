import HostStorage
import SQLKit
import Testing

/// Every storage test runs against SQLite and a real PostgreSQL server.
@Suite struct StorageTests {
    @Test(arguments: TestDatabase.allCases)
    func migrationsRunOnceAndRecordTheirVersion(kind: TestDatabase) async throws {
        let database = try await kind.open()
        #expect(try await Migrations.currentVersion(of: database) == Migrations.all.last!.version)
        #expect(try await Migrations.run(on: database).isEmpty, "a second start applies nothing")
        await database.close()
    }

    @Test(arguments: TestDatabase.allCases)
    func firstUserIsAdminAndEmailsAreUnique(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let users = UserStore(database: database)
        let first = try await users.create(email: "Ada@Example.com", passwordHash: "h1")
        let second = try await users.create(email: "bob@example.com", passwordHash: "h2")
        #expect(first.role == "admin" && second.role == "user")
        #expect(first.email == "ada@example.com")
        await #expect(throws: UserStore.Failure.emailTaken) { try await users.create(email: "ADA@example.com", passwordHash: "x") }
        #expect(try await users.count() == 2, "the failed registration stored nothing")
        #expect(try await users.find(email: "ada@EXAMPLE.com") == first)
        #expect(try await users.find(id: second.id)?.email == "bob@example.com")
        await database.close()
    }

    @Test(arguments: TestDatabase.allCases)
    func deletingAUserCascadesButKeepsTheAuditLog(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let users = UserStore(database: database)
        let user = try await users.create(email: "c@example.com", passwordHash: "h")
        try await database.withSQL { db in
            try await db.insert(into: "cli_tokens").columns("id", "user_id", "name", "token_hash", "created_at")
                .values(SQLBind(RecordID.make()), SQLBind(user.id), SQLBind("laptop"), SQLBind("hash"), SQLBind(Clock.milliseconds())).run()
            try await db.insert(into: "audit_log").columns("id", "user_id", "action", "created_at")
                .values(SQLBind(RecordID.make()), SQLBind(user.id), SQLBind("login.ok"), SQLBind(Clock.milliseconds())).run()
        }
        try await users.delete(id: user.id)
        let (tokens, audit, auditUser) = try await database.withSQL { db in
            let tokens = try await db.raw("SELECT COUNT(*) AS n FROM cli_tokens").first(decodingColumn: "n", as: Int.self) ?? -1
            let audit = try await db.raw("SELECT COUNT(*) AS n FROM audit_log").first(decodingColumn: "n", as: Int.self) ?? -1
            let auditUser = try await db.raw("SELECT user_id FROM audit_log").first(decodingColumn: "user_id", as: String?.self) ?? "missing"
            return (tokens, audit, auditUser)
        }
        #expect(tokens == 0, "cli tokens go with their user")
        #expect(audit == 1 && auditUser == nil, "audit entries survive with user set to null")
        await database.close()
    }

    @Test(arguments: TestDatabase.allCases)
    func aFailedTransactionLeavesNothing(kind: TestDatabase) async throws {
        let database = try await kind.open()
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await database.transaction { db in
                try await db.insert(into: "users").columns("id", "email", "password_hash", "role", "disabled", "created_at")
                    .values(SQLBind("u1"), SQLBind("x@example.com"), SQLBind("h"), SQLBind("user"), SQLBind(false), SQLBind(Int64(1))).run()
                throw Boom()
            }
        }
        #expect(try await UserStore(database: database).count() == 0)
        await database.close()
    }

    @Test func badPostgresURLIsAClearError() async {
        do {
            _ = try await StudioDatabase.open("postgres://studio:secret@127.0.0.1:1/none")
            Issue.record("opened a database on port 1")
        } catch {
            let text = "\(error)"
            #expect(text.contains("cannot connect to PostgreSQL"))
            #expect(!text.contains("secret"), "the password never appears in errors: \(text)")
        }
    }
}

/// Per-connection SQLite settings hold on every connection of the pool (a bug once: they
/// were set on whichever connection ran the set-up).
@Suite struct SQLiteConnectionSettingsTests {
    @Test func everyConnectionWaitsForWritersAndSyncsNormally() async throws {
        let database = try await TestDatabase.sqlite.open()
        let settings = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await database.withSQL { db in
                        let timeout = try await db.raw("PRAGMA busy_timeout").first(decodingColumn: "timeout", as: Int.self) ?? -1
                        let sync = try await db.raw("PRAGMA synchronous").first(decodingColumn: "synchronous", as: Int.self) ?? -1
                        try await Task.sleep(nanoseconds: 50_000_000)  // hold it, so others take other connections
                        return (timeout, sync)
                    }
                }
            }
            var all: [(Int, Int)] = []
            for try await s in group { all.append(s) }
            return all
        }
        #expect(settings.allSatisfy { $0 == (5000, 1) }, "\(settings)")
        await database.close()
    }
}

/// After a crash nothing stays `running`: the job and every record it was writing (issue 19).
@Suite struct CrashRecoveryTests {
    @Test(arguments: TestDatabase.allCases)
    func aCrashedJobsRunsEvalsAndJudgeReportsAreInterrupted(kind: TestDatabase) async throws {
        let database = try await kind.open()
        let user = try await UserStore(database: database).create(email: "crash@example.com", passwordHash: "h")
        let jobs = JobStore(database: database)
        let job = try await jobs.submit(userID: user.id, kind: "eval", request: "{}", queue: true)
        #expect(try await jobs.claimNext(instance: "dead", leaseMilliseconds: 60_000)?.id == job.id)
        let suite = try await SuiteStore(database: database).create(
            userID: user.id, SuiteContents(name: "s", description: "", systemPrompt: "", tools: [], cases: []))
        let eval = try await EvalStore(database: database).createRun(userID: user.id, suiteID: suite.id, jobID: job.id, request: "{}")
        let report = try await JudgeStore(database: database).createReport(userID: user.id, evalRunID: eval.id, mode: "cases",
                                                                         judgeModel: "sim/judge", promptVersion: "v1", jobID: job.id)
        let run = try await RunStore(database: database).createRun(userID: user.id, jobID: job.id, kind: "load", request: "{}")
        // The instance died; the next start interrupts what it left running.
        #expect(try await jobs.interruptAbandoned(all: true).map(\.id) == [job.id])
        #expect(try await jobs.find(id: job.id, userID: user.id)?.state == "interrupted")
        #expect(try await EvalStore(database: database).run(userID: user.id, id: eval.id)?.status == "interrupted")
        #expect(try await JudgeStore(database: database).report(userID: user.id, id: report.id)?.status == "interrupted")
        #expect(try await RunStore(database: database).run(userID: user.id, id: run.id)?.status == "interrupted")
        // And it is never claimed again.
        #expect(try await jobs.claimNext(instance: "alive", leaseMilliseconds: 60_000) == nil)
        await database.close()
    }
}
