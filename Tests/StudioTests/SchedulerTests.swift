import Foundation
import HTTPTypes
import HostAuth
import HostHTTP
import HostScheduler
import HostSimulator
import HostStorage
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Synchronization
import Testing

/// A clock the test moves by hand: the scheduler's sleeps end when the test says so.
final class ManualClock: SchedulerClock {
    private struct Sleeper { let id: Int; let until: Int64; let continuation: CheckedContinuation<Void, any Error> }
    private let state: Mutex<(now: Int64, sleepers: [Sleeper], nextID: Int)>

    init(_ start: Int64) { state = Mutex((start, [], 0)) }

    func now() -> Int64 { state.withLock { $0.now } }

    func sleep(until: Int64) async throws {
        let id = state.withLock { s -> Int in s.nextID += 1; return s.nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { s -> Bool in
                    if until <= s.now { return true }
                    s.sleepers.append(Sleeper(id: id, until: until, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    func advance(to time: Int64) {
        let due = state.withLock { s -> [Sleeper] in
            s.now = time
            let due = s.sleepers.filter { $0.until <= time }
            s.sleepers.removeAll { $0.until <= time }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    func advance(by milliseconds: Int64) { advance(to: now() + milliseconds) }
}

@Suite struct CronTests {
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test func fieldsParseWithRangesStepsListsAndNames() throws {
        let cron = try CronExpression("*/15 9-17 1,15 JAN-MAR MON-FRI")
        #expect(cron.minutes == [0, 15, 30, 45])
        #expect(cron.hours == Set(9...17))
        #expect(cron.daysOfMonth == [1, 15])
        #expect(cron.months == [1, 2, 3])
        #expect(cron.daysOfWeek == Set(1...5))
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0], "7 is Sunday too")
        #expect(try CronExpression("5/20 * * * *").minutes == [5, 25, 45])
        #expect(try CronExpression("0-10/5 * * * sun,sat").minutes == [0, 5, 10])
    }

    @Test(arguments: [
        ("* * * *", "expression"), ("60 * * * *", "minute"), ("* 24 * * *", "hour"), ("* * 0 * *", "day-of-month"),
        ("* * * 13 *", "month"), ("* * * * 8", "day-of-week"), ("*/0 * * * *", "minute"), ("5-1 * * * *", "minute"),
        ("* * * FOO *", "month"), ("1,,2 * * * *", "minute"),
    ])
    func badExpressionsNameTheField(text: String, field: String) {
        #expect(throws: CronExpression.Invalid.self) { try CronExpression(text) }
        do { _ = try CronExpression(text) } catch { #expect(error.field == field, "\(text): \(error)") }
    }

    @Test func nextFireTimes() throws {
        let utc = TimeZone(identifier: "UTC")!
        #expect(try CronExpression("*/15 * * * *").next(after: Self.utc("2026-11-30T10:07:00Z"), in: utc) == Self.utc("2026-11-30T10:15:00Z"))
        #expect(try CronExpression("*/15 * * * *").next(after: Self.utc("2026-11-30T10:15:00Z"), in: utc) == Self.utc("2026-11-30T10:30:00Z"),
                "strictly after")
        // Friday 2026-12-04 10:00 → Monday 09:00.
        #expect(try CronExpression("0 9 * * MON-FRI").next(after: Self.utc("2026-12-04T10:00:00Z"), in: utc) == Self.utc("2026-12-07T09:00:00Z"))
        // Day-of-month and day-of-week both restricted: either matches (13th or a Friday).
        #expect(try CronExpression("0 0 13 * FRI").next(after: Self.utc("2026-12-01T00:00:00Z"), in: utc) == Self.utc("2026-12-04T00:00:00Z"))
        #expect(try CronExpression("0 0 13 * FRI").next(after: Self.utc("2026-12-12T00:00:00Z"), in: utc) == Self.utc("2026-12-13T00:00:00Z"))
        #expect(try CronExpression("0 0 30 2 *").next(after: Self.utc("2026-01-01T00:00:00Z"), in: utc) == nil, "30 February never comes")
        // Leap day.
        #expect(try CronExpression("0 12 29 2 *").next(after: Self.utc("2026-03-01T00:00:00Z"), in: utc) == Self.utc("2028-02-29T12:00:00Z"))
        // A named zone: 09:00 in New York is 14:00 UTC in winter.
        #expect(try CronExpression("0 9 * * *").next(after: Self.utc("2026-12-01T00:00:00Z"), in: TimeZone(identifier: "America/New_York")!)
                == Self.utc("2026-12-01T14:00:00Z"))
    }

    @Test func daylightSavingChanges() throws {
        let paris = TimeZone(identifier: "Europe/Paris")!
        let cron = try CronExpression("30 2 * * *")
        // 29 March 2026: clocks jump from 02:00 to 03:00; 02:30 does not exist, so it fires
        // when the clock resumes (03:00 CEST = 01:00 UTC), and the day is not skipped.
        #expect(cron.next(after: Self.utc("2026-03-28T12:00:00Z"), in: paris) == Self.utc("2026-03-29T01:00:00Z"))
        #expect(cron.next(after: Self.utc("2026-03-29T01:00:00Z"), in: paris) == Self.utc("2026-03-30T00:30:00Z"))
        // 25 October 2026: 02:30 happens twice (CEST then CET); it fires once, the first time.
        let first = try #require(cron.next(after: Self.utc("2026-10-24T12:00:00Z"), in: paris))
        #expect(first == Self.utc("2026-10-25T00:30:00Z"))
        #expect(cron.next(after: first, in: paris) == Self.utc("2026-10-26T01:30:00Z"))
        // Hourly jobs across the fall-back hour fire at each real hour, once each.
        let hourly = try CronExpression("0 * * * *")
        var t = Self.utc("2026-10-24T23:30:00Z")
        var fired: [Date] = []
        for _ in 0..<4 { t = try #require(hourly.next(after: t, in: paris)); fired.append(t) }
        #expect(fired == ["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z", "2026-10-25T04:00:00Z"].map(Self.utc),
                "each local wall time fires once: the repeated 02:00 fires at its first occurrence only — \(fired)")
    }
}

@Suite(.serialized) struct SchedulerTests {
    static let hour: Int64 = 3_600_000

    static func firings(_ client: some TestClientProtocol, _ token: String, _ schedule: String) async throws -> [JSONValue] {
        try await client.call(.get, "/api/schedules/\(schedule)/firings", token: token).body["firings"]?.arrayValue ?? []
    }

    @Test(arguments: TestDatabase.allCases)
    func schedulesFireAtTheRightInstantsInSimulatedTime(kind: TestDatabase) async throws {
        let simulator = try await EmbeddedSimulator.start()
        // Start on a whole hour so cron and interval slots are easy to name.
        let start = (Clock.milliseconds() / Self.hour + 1) * Self.hour
        let clock = ManualClock(start)
        var options = StudioServices.Options(simulatorURL: simulator.baseURL)
        options.schedulerClock = clock
        let studio = try await TestStudio.make(kind, options: options)
        let runner = studio.startRunner()
        let scheduler = studio.services.scheduler
        try await studio.app.test(.router) { client in
            let alice = try await client.register("alice@example.com")
            let request: JSONValue = ["targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]], "runs": 1,
                                      "warmup": false, "max_tokens": 4]
            let interval = try await client.call(.post, "/api/schedules", token: alice, json: [
                "name": "every 2 h", "kind": "benchmark", "request": request, "interval_hours": 2])
            #expect(interval.status == .created, "\(interval.body)")
            let intervalID = try #require(interval.body["id"]?.stringValue)
            #expect(interval.body["next_fire_at"]?.stringValue == ISO8601.string(fromMilliseconds: start + 2 * Self.hour))
            let cron = try await client.call(.post, "/api/schedules", token: alice, json: [
                "name": "at :30", "kind": "benchmark", "request": request, "cron": "30 * * * *", "time_zone": "UTC"])
            let cronID = try #require(cron.body["id"]?.stringValue)
            #expect(cron.body["next_fire_at"]?.stringValue == ISO8601.string(fromMilliseconds: start + Self.hour / 2))

            // Bad schedules name their field; nothing is stored.
            let badCron = try await client.call(.post, "/api/schedules", token: alice, json: [
                "name": "x", "kind": "benchmark", "request": request, "cron": "61 * * * *"])
            #expect(badCron.status == .badRequest && badCron.body["error"]?["message"]?.stringValue == "cron: minute: 61 is outside 0–59")
            let both = try await client.call(.post, "/api/schedules", token: alice, json: [
                "name": "x", "kind": "benchmark", "request": request, "cron": "* * * * *", "interval_hours": 1])
            #expect(both.status == .badRequest)
            let badZone = try await client.call(.post, "/api/schedules", token: alice, json: [
                "name": "x", "kind": "benchmark", "request": request, "cron": "* * * * *", "time_zone": "Mars/Olympus"])
            #expect(badZone.status == .badRequest && badZone.body["error"]?["code"] == "invalid_time_zone")
            let badTarget = try await client.call(.post, "/api/schedules", token: alice, json: [
                "name": "x", "kind": "benchmark", "request": ["targets": [["provider": "nope", "model": "m"]]], "interval_hours": 1])
            #expect(badTarget.status == .unprocessableContent && badTarget.body["error"]?["message"]?.stringValue?.hasPrefix("request.targets[0]") == true)
            #expect(try await client.call(.get, "/api/schedules", token: alice).body["schedules"]?.arrayValue?.count == 2)

            func settle() async throws {
                // Jobs run for real (simulator); wait until none is active.
                try await JobsHTTPTests.waitFor("jobs to finish") {
                    try await studio.services.jobStore.list(userID: nil).allSatisfy { $0.isTerminal }
                }
            }
            // 00:29:59 nothing; 00:30 the cron one fires.
            clock.advance(to: start + Self.hour / 2 - 1000)
            await scheduler.fireDue()
            #expect(try await Self.firings(client, alice, cronID).isEmpty)
            clock.advance(to: start + Self.hour / 2)
            await scheduler.fireDue()
            try await settle()
            let firstCron = try await Self.firings(client, alice, cronID)
            #expect(firstCron.count == 1 && firstCron.first?["outcome"] == "ok")
            let runID = try #require(firstCron.first?["run_id"]?.stringValue)
            let run = try await client.call(.get, "/api/runs/\(runID)", token: alice).body
            #expect(run["schedule_id"]?.stringValue == cronID && run["status"] == "done", "saved like any run, linked to its schedule")

            // 02:00: the interval one fires (and the cron one at 01:30 fired in between).
            clock.advance(to: start + Self.hour + Self.hour / 2)
            await scheduler.fireDue()
            try await settle()
            clock.advance(to: start + 2 * Self.hour)
            await scheduler.fireDue()
            try await settle()
            #expect(try await Self.firings(client, alice, intervalID).map { $0["outcome"] } == ["ok"])
            #expect(try await Self.firings(client, alice, cronID).count == 2)

            // Downtime of 10 hours: one catch-up firing each, not one per missed slot.
            clock.advance(to: start + 12 * Self.hour + 60_000)
            await scheduler.fireDue()
            try await settle()
            #expect(try await Self.firings(client, alice, intervalID).count == 2)
            #expect(try await Self.firings(client, alice, cronID).count == 3)
            let next = try await client.call(.get, "/api/schedules/\(intervalID)", token: alice).body["next_fire_at"]?.stringValue
            #expect(next == ISO8601.string(fromMilliseconds: start + 14 * Self.hour))

            // A busy owner: the firing is recorded as skipped.
            try await JobsHTTPTests.addSimulatorModel(client, alice, "sim-ttft3000-gap1-tok1")
            let busy = try #require(try await client.call(.post, "/api/benchmarks", token: alice, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft3000-gap1-tok1"]], "runs": 1, "warmup": false, "max_tokens": 1,
            ]).body["job_id"]?.stringValue)
            clock.advance(to: start + 14 * Self.hour)
            await scheduler.fireDue()
            let skipped = try await Self.firings(client, alice, intervalID)
            #expect(skipped.first?["outcome"] == "skipped" && skipped.first?["detail"]?.stringValue?.contains(busy) == true)
            _ = try await client.call(.post, "/api/jobs/\(busy)/cancel", token: alice)
            try await settle()

            // Deleted: it stops. Disabled schedule: it does not fire.
            #expect(try await client.call(.delete, "/api/schedules/\(intervalID)", token: alice).status == .noContent)
            var paused = try await client.call(.get, "/api/schedules/\(cronID)", token: alice).body.objectValue!
            for key in ["id", "next_fire_at", "created_at", "updated_at"] { paused[key] = nil }
            paused["enabled"] = false
            let disabled = try await client.call(.put, "/api/schedules/\(cronID)", token: alice, json: .object(paused))
            #expect(disabled.status == .ok && disabled.body["next_fire_at"] == .null, "\(disabled.body)")
            clock.advance(to: start + 30 * Self.hour)
            await scheduler.fireDue()
            // 00:30, 01:30, the catch-up at 12:01, and 14:00 (due since 12:30, skipped: busy).
            let cronFirings = try await Self.firings(client, alice, cronID)
            #expect(cronFirings.map { $0["outcome"]?.stringValue ?? "" } == ["skipped", "ok", "ok", "ok"])
            #expect(try await client.call(.get, "/api/schedules/\(intervalID)/firings", token: alice).status == .notFound)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }

    /// The service itself: asleep until the next due schedule, woken by the clock (not a
    /// blind poll), and by a nudge when schedules change; disabled users' schedules wait.
    @Test func theServiceSleepsUntilTheNextDueSchedule() async throws {
        let start = (Clock.milliseconds() / Self.hour + 1) * Self.hour
        let clock = ManualClock(start)
        var options = StudioServices.Options()
        options.schedulerClock = clock
        let studio = try await TestStudio.make(.sqlite, options: options)  // no runner: jobs stay queued
        let service = Task { try await studio.services.scheduler.run() }
        try await studio.app.test(.router) { client in
            let root = try await client.register("root@example.com")
            let bob = try await client.register("bob@example.com")
            let request: JSONValue = ["targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]], "queue": true]
            let id = try #require(try await client.call(.post, "/api/schedules", token: bob, json: [
                "name": "hourly", "kind": "benchmark", "request": request, "interval_hours": 1]).body["id"]?.stringValue)
            try await Task.sleep(nanoseconds: 100_000_000)
            #expect(try await Self.firings(client, bob, id).isEmpty)
            clock.advance(to: start + Self.hour)
            try await JobsHTTPTests.waitFor("the service to fire", timeout: 5) { try await Self.firings(client, bob, id).count == 1 }
            // The owner disabled: the schedule does not fire.
            let bobID = try #require(try await studio.services.accounts.users.find(email: "bob@example.com")).id
            #expect(try await client.call(.put, "/api/admin/users/\(bobID)", token: root, json: ["disabled": true]).status == .ok)
            clock.advance(to: start + 2 * Self.hour)
            try await Task.sleep(nanoseconds: 300_000_000)
            // (bob's token no longer works: read the store.)
            let after = try await studio.services.schedules.firings(userID: bobID, scheduleID: id)
            #expect(after.count == 1, "\(after)")
        }
        service.cancel()
        _ = await service.result
        await studio.close()
    }

    /// With the real clock: "run now" against the simulator stores a run visible in history.
    @Test func runNowStoresARunInHistory() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let id = try #require(try await client.call(.post, "/api/schedules", token: ada, json: [
                "name": "weekly", "kind": "benchmark", "cron": "0 6 * * MON", "time_zone": "Europe/Paris",
                "request": ["targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]], "runs": 2, "warmup": false,
                            "max_tokens": 8]]).body["id"]?.stringValue)
            let now = try await client.call(.post, "/api/schedules/\(id)/run", token: ada)
            #expect(now.status == .accepted)
            let job = try #require(now.body["job_id"]?.stringValue)
            let events = SSE.parse(String(buffer: try await client.execute(uri: "/api/jobs/\(job)/events", method: .get,
                                                                           headers: [.authorization: "Bearer \(ada)"]).body))
            #expect(events.last?.event == "complete")
            let runs = try await client.call(.get, "/api/runs", token: ada).body["runs"]?.arrayValue ?? []
            #expect(runs.count == 1 && runs.first?["schedule_id"]?.stringValue == id)
            let firing = try await Self.firings(client, ada, id).first
            #expect(firing?["outcome"] == "ok" && firing?["run_id"] == runs.first?["id"] && firing?["job_state"] == "done")
            // Run now while busy: 409, recorded as skipped.
            try await JobsHTTPTests.addSimulatorModel(client, ada, "sim-ttft2000-gap1-tok1")
            let slow = try #require(try await client.call(.post, "/api/benchmarks", token: ada, json: [
                "targets": [["provider": "sim-openai", "model": "sim-ttft2000-gap1-tok1"]], "runs": 1, "warmup": false, "max_tokens": 1,
            ]).body["job_id"]?.stringValue)
            #expect(try await client.call(.post, "/api/schedules/\(id)/run", token: ada).status == .conflict)
            #expect(try await Self.firings(client, ada, id).first?["outcome"] == "skipped")
            _ = try await client.call(.post, "/api/jobs/\(slow)/cancel", token: ada)
        }
        await studio.close(runner: runner)
        await simulator.stop()
    }
}
