import CoreMetrics
import HostMeasurement
import HostSecurity
import HostStorage
import Logging
import StudioJSON
import Synchronization

/// Claims queued jobs from the database and runs them, holding a lease on each that it
/// renews; a cancellation asked for anywhere (this instance or another) reaches the job's
/// task at the next renewal, or at once when asked here. Started by `studio serve`.
public final class JobRunner: Sendable {
    public let store: JobStore
    public let hub: JobEventHub
    /// This instance's name in `jobs.claimed_by`.
    public let instance: String
    let executors: [String: any JobExecutor]
    let settings: Settings
    let logger = Logger(label: "studio.jobs")

    public struct Settings: Sendable {
        /// How long a claimed job stays this instance's without a renewal.
        public var leaseMilliseconds: Int64 = 30_000
        /// Jobs run at once by this instance (all users together).
        public var maxParallel = 8
        /// How often the queue is looked at when nothing wakes the runner.
        public var pollMilliseconds: Int64 = 1_000
        /// How often jobs whose lease lapsed (their instance died) are declared interrupted.
        public var sweepMilliseconds: Int64 = 5_000
        public var limits = JobStore.Limits()
        public init() {}
    }

    private let running = Mutex<[String: Task<Void, Never>]>([:])
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    public init(store: JobStore, hub: JobEventHub, executors: [any JobExecutor], instance: String = RecordID.make(),
                settings: Settings = Settings()) {
        self.store = store
        self.hub = hub
        self.instance = instance
        self.settings = settings
        var byKind: [String: any JobExecutor] = [:]
        for executor in executors { byKind[executor.kind.rawValue] = executor }
        self.executors = byKind
        (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Claims and runs jobs until the calling task is cancelled; then cancels the jobs it
    /// runs and waits for them (each ends `cancelled`, its finished runs kept).
    public func run() async {
        let ticker = Task { [wake, settings] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(settings.pollMilliseconds) * 1_000_000)
                wake.yield()
            }
        }
        // Other instances' events reach this instance's followers at once (PostgreSQL).
        let relay = Task { [store, hub, instance] in
            await store.listenForAnnouncements(instance: instance) { jobID in hub.poke(jobID: jobID) }
        }
        wake.yield()
        var lastSweep: Int64 = 0
        for await _ in wakes {
            if Task.isCancelled { break }
            let now = Clock.milliseconds()
            if now - lastSweep >= settings.sweepMilliseconds {
                lastSweep = now
                await sweep()
            }
            await claimWhileFree()
        }
        ticker.cancel()
        relay.cancel()
        let tasks = running.withLock { Array($0.values) }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    public func stop() { wake.finish() }

    /// Jobs of dead instances (lease lapsed) become interrupted; their followers are told.
    func sweep() async {
        do {
            for job in try await store.interruptAbandoned(all: false) {
                hub.poke(jobID: job.id)
                try? await store.announce(jobID: job.id, from: instance)
                logger.warning("job \(job.id) of instance \(job.claimedBy ?? "?") is interrupted: its lease lapsed")
            }
        } catch {
            logger.error("cannot sweep abandoned jobs: \(SecretScrubber().scrub(String(describing: error)))")
        }
    }

    /// A job was submitted here: look at the queue now rather than at the next poll.
    public func nudge() { wake.yield() }

    private func claimWhileFree() async {
        while running.withLock({ $0.count }) < settings.maxParallel {
            let job: JobRecord?
            do { job = try await store.claimNext(instance: instance, leaseMilliseconds: settings.leaseMilliseconds, defaults: settings.limits) } catch {
                logger.error("cannot claim a job: \(SecretScrubber().scrub(String(describing: error)))")
                return
            }
            guard let job else { return }
            start(job)
        }
    }

    private func start(_ job: JobRecord) {
        // Registered before the task starts, so a cancel can never miss it.
        running.withLock { tasks in
            tasks[job.id] = Task { [self] in
                await execute(job)
                _ = running.withLock { $0.removeValue(forKey: job.id) }
                wake.yield()  // a slot is free
            }
        }
    }

    /// Cancels a job if it runs on this instance; true when it did.
    @discardableResult
    public func cancelLocal(jobID: String) -> Bool {
        guard let task = running.withLock({ $0[jobID] }) else { return false }
        task.cancel()
        return true
    }

    public var runningJobIDs: [String] { running.withLock { Array($0.keys) } }

    private func execute(_ job: JobRecord) async {
        let started = MonotonicClock.now()
        let lastSeq = (try? await store.events(jobID: job.id, after: 0).last?.seq) ?? 0
        let events = JobEventWriter(jobID: job.id, store: store, hub: hub, instance: instance, lastSeq: lastSeq)
        guard let executor = executors[job.kind] else {
            _ = try? await events.emit("error", ["message": .string("no executor for job kind \(job.kind)")])
            try? await store.finish(jobID: job.id, state: "failed", error: "no executor for job kind \(job.kind)")
            return
        }
        let jobTask = Task { try await executor.run(job, events: events) }
        // The lease: renewed while the job runs; a cancellation request or a lost lease stops it.
        let lease = Task { [store, instance, settings] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(settings.leaseMilliseconds / 3) * 1_000_000)
                if Task.isCancelled { return }
                let cancel = try? await store.renewLease(jobID: job.id, instance: instance, leaseMilliseconds: settings.leaseMilliseconds)
                if cancel != false { jobTask.cancel() }  // asked to cancel, or the job is no longer ours
            }
        }
        let outcome = await withTaskCancellationHandler {
            await jobTask.result
        } onCancel: {
            jobTask.cancel()
        }
        lease.cancel()
        let state: String
        switch outcome {
        case .success where jobTask.isCancelled:
            state = "cancelled"
            try? await store.finish(jobID: job.id, state: state)
        case .success:
            state = "done"
            try? await store.finish(jobID: job.id, state: state)
        case .failure(let error) where error is CancellationError:
            state = "cancelled"
            _ = try? await events.emit("cancelled", ["message": "cancelled"])
            try? await store.finish(jobID: job.id, state: state)
        case .failure(let error):
            state = "failed"
            let message = SecretScrubber().scrub(String(describing: error))
            _ = try? await events.emit("error", ["message": .string(message)])
            try? await store.finish(jobID: job.id, state: state, error: message)
        }
        // docs/deploy.md, "Metrics": how long each kind of job ran here, by how it ended.
        Timer(label: "studio_job_duration_seconds", dimensions: [("kind", job.kind), ("state", state)])
            .recordNanoseconds(Int64(clamping: MonotonicClock.now() &- started))
    }
}
