import Foundation
import HostSecurity
import HostStorage
import Logging
import ServiceLifecycle

/// Fires due schedules (docs/api.md (Schedules)): sleeps until the next one is due — woken early when
/// schedules change — submits each as its owner, and records every firing. Missed slots
/// after downtime give one catch-up firing. A Service: it stops on graceful shutdown.
public final class Scheduler: Service, Sendable {
    let store: ScheduleStore
    let clock: any SchedulerClock
    /// Submits the schedule's job as its owner (validation, limits, queue).
    let submit: @Sendable (ScheduleRecord) async -> FiringOutcome
    /// Longest sleep, so that schedules changed on another instance are seen.
    let maxSleepMilliseconds: Int64
    let logger = Logger(label: "studio.scheduler")
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    public init(store: ScheduleStore, clock: any SchedulerClock = SystemSchedulerClock(), maxSleepMilliseconds: Int64 = 30_000,
                submit: @escaping @Sendable (ScheduleRecord) async -> FiringOutcome) {
        self.store = store
        self.clock = clock
        self.submit = submit
        self.maxSleepMilliseconds = maxSleepMilliseconds
        (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Schedules changed: look again now.
    public func nudge() { wake.yield() }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
    }

    func loop() async {
        var alarm: Task<Void, Never>?
        wake.yield()
        for await _ in wakes {
            if Task.isCancelled { break }
            await fireDue()
            // Sleep until the next due schedule (or the cap), unless nudged first.
            let now = clock.now()
            let next = (try? await store.earliestNextFire()) ?? nil
            let until = min(next ?? Int64.max, now + maxSleepMilliseconds)
            alarm?.cancel()
            alarm = Task { [clock, wake] in
                do {
                    try await clock.sleep(until: until)
                    wake.yield()
                } catch {}
            }
        }
        alarm?.cancel()
    }

    /// Fires every schedule due now, once each.
    public func fireDue() async {
        let now = clock.now()
        let due: [ScheduleRecord]
        do { due = try await store.claimDue(now: now) { Self.nextFire($0, after: now) } } catch {
            logger.error("cannot read due schedules: \(SecretScrubber().scrub(String(describing: error)))")
            return
        }
        for schedule in due { await fire(schedule, at: now) }
    }

    /// Runs a schedule now (the "run now" route and due firings alike) and records it.
    @discardableResult
    public func fire(_ schedule: ScheduleRecord, at now: Int64) async -> (String, FiringOutcome) {
        let outcome = await submit(schedule)
        let (name, jobID, detail): (String, String?, String?)
        switch outcome {
        case .ok(let job): (name, jobID, detail) = ("ok", job, nil)
        case .skipped(let why): (name, jobID, detail) = ("skipped", nil, why)
        case .failed(let why): (name, jobID, detail) = ("failed", nil, why)
        }
        let firingID = (try? await store.recordFiring(scheduleID: schedule.id, userID: schedule.userID, at: now, outcome: name,
                                                      jobID: jobID, detail: detail)) ?? ""
        return (firingID, outcome)
    }

    /// The next firing strictly after `now`: interval schedules every N hours counted
    /// from their creation, cron ones in their time zone. nil when it never fires again.
    public static func nextFire(_ schedule: ScheduleRecord, after now: Int64) -> Int64? {
        if let hours = schedule.intervalHours, hours > 0 {
            let period = Int64(hours) * 3_600_000
            let elapsed = max(0, now - schedule.createdAt)
            return schedule.createdAt + (elapsed / period + 1) * period
        }
        guard let text = schedule.cron, let cron = try? CronExpression(text),
              let zone = TimeZone(identifier: schedule.timeZone) else { return nil }
        return cron.next(after: Date(timeIntervalSince1970: Double(now) / 1000), in: zone)
            .map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}
