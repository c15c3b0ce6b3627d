import HostJudge
import HostMeasurement
import HostStorage
import StudioJSON

/// Writes a job's events: stored first (so a reconnecting client finds them), then
/// published. Sequence numbers increase by one from the job's last stored event, and
/// events are stored and published in that order even when emitted concurrently (judge
/// verdicts are): each write waits for the one before it, since an actor alone would let
/// a later event overtake an earlier one across the store's suspension.
public actor JobEventWriter {
    public let jobID: String
    let store: JobStore
    let hub: JobEventHub
    let instance: String
    private var seq: Int
    private var tail: Task<Void, any Error>?

    public init(jobID: String, store: JobStore, hub: JobEventHub, instance: String, lastSeq: Int) {
        self.jobID = jobID
        self.store = store
        self.hub = hub
        self.instance = instance
        self.seq = lastSeq
    }

    @discardableResult
    public func emit(_ name: String, _ data: JSONValue) async throws -> Int {
        let receivedAt = MonotonicClock.now()
        seq += 1
        let event = JobEvent(seq: seq, name: name, data: data.jsonString, receivedAt: receivedAt)
        let (previous, store, hub, jobID, instance) = (tail, store, hub, jobID, instance)
        let write = Task {
            _ = await previous?.result
            try await store.appendEvent(jobID: jobID, seq: event.seq, event: name, data: event.data)
            hub.publish(jobID: jobID, event)
            try? await store.announce(jobID: jobID, from: instance)  // followers on other instances
        }
        tail = write
        try await write.value
        return event.seq
    }
}

extension JobEventWriter {
    /// A judge run's event, stored and streamed under its name.
    public func emit(_ event: JudgeEvent) async throws {
        try await emit(event.name, event.data)
    }
}
