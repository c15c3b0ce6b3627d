import Synchronization

/// At least the last `capacity` requests' ground truth, by request id. Old records are
/// dropped an eighth of the capacity at a time: dropping one per request moved the whole
/// arrival order (20,000 ids) under the lock that every write stamp takes, which made a
/// long-running simulator answer late (request-leg p99 0.2 → 1–3 ms after 20k requests).
public final class GroundTruthLog: Sendable {
    private struct State {
        var records: [String: GroundTruth] = [:]
        var order: [String] = []
        /// Socket-side stamps per request, in write order (from WireStampHandler).
        var wire: [String: [UInt64]] = [:]
    }
    private let state = Mutex(State())
    private let capacity: Int

    public init(capacity: Int = 20_000) { self.capacity = capacity }

    func store(_ record: GroundTruth) {
        state.withLock { state in
            if state.records.updateValue(record, forKey: record.id) == nil {
                state.order.append(record.id)
                if state.order.count >= capacity + max(1, capacity / 8) {
                    let drop = state.order.count - capacity
                    for id in state.order.prefix(drop) {
                        state.records[id] = nil
                        state.wire[id] = nil
                    }
                    state.order.removeFirst(drop)
                }
            }
        }
    }

    func addWireStamps(_ id: String, count: Int, at: UInt64) {
        state.withLock { state in state.wire[id, default: []] += repeatElement(at, count: count) }
    }

    /// The record with socket-side stamps merged in.
    public func record(_ id: String) -> GroundTruth? {
        state.withLock { state in state.records[id].map { Self.stamped($0, wire: state.wire[id] ?? []) } }
    }

    private static func stamped(_ record: GroundTruth, wire: [UInt64]) -> GroundTruth {
        var record = record
        for i in record.writes.indices where i < wire.count { record.writes[i].at = wire[i] }
        return record
    }

    public var count: Int { state.withLock { $0.order.count } }

    /// Every record kept, in arrival order, with socket stamps merged in (`endAt` 0 while a
    /// response is still being written).
    public var records: [GroundTruth] {
        state.withLock { state in state.order.compactMap { id in state.records[id].map { Self.stamped($0, wire: state.wire[id] ?? []) } } }
    }
}
