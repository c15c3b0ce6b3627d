import Synchronization

/// The tuner's hard budget (docs/tuning.md, "Budget"): calls to the provider and money.
/// A case may start only when its worst case still fits — its most calls (a multi-turn
/// case's rounds) and its dearest cost seen so far, or the estimate before any was seen —
/// so the limits are never passed, only approached. The confirmation's share is held back
/// from the trials until the confirmation starts.
public final class TuningBudget: Sendable {
    public struct Spent: Sendable, Equatable {
        public var calls = 0
        public var costUSD: Double? = 0
        public init(calls: Int = 0, costUSD: Double? = 0) {
            self.calls = calls
            self.costUSD = costUSD
        }
    }

    /// The budget is spent: what would come next does not fit.
    public struct Exhausted: Error, Sendable {}

    public let maxCalls: Int
    public let maxCostUSD: Double?
    /// Calls one run of one case can make at most.
    public let callsPerCase: Int
    /// A call's cost before any was seen: prompt estimate and max_tokens by the prices.
    public let costPerCallEstimate: Double?

    private struct State {
        var spent = Spent()
        var dearestCase: Double? = nil
        var reservedCalls = 0
        var reservedCost = 0.0
    }
    private let state = Mutex(State())

    public init(maxCalls: Int, maxCostUSD: Double?, callsPerCase: Int, costPerCallEstimate: Double?) {
        self.maxCalls = maxCalls
        self.maxCostUSD = maxCostUSD
        self.callsPerCase = max(1, callsPerCase)
        self.costPerCallEstimate = costPerCallEstimate
    }

    /// Resumed: what the trials so far spent.
    public func restore(_ spent: Spent) { state.withLock { $0.spent = spent } }

    public var spent: Spent { state.withLock { $0.spent } }

    /// The worst cost of one case: the dearest seen, else the estimate.
    private func caseCost(_ s: State) -> Double? {
        s.dearestCase ?? costPerCallEstimate.map { $0 * Double(callsPerCase) }
    }

    /// Whether `cases` runs of a case fit beside what is held back.
    public func fits(cases: Int) -> Bool {
        state.withLock { s in
            guard s.spent.calls + s.reservedCalls + cases * callsPerCase <= maxCalls else { return false }
            guard let maxCostUSD else { return true }
            guard let spent = s.spent.costUSD, let one = caseCost(s) else { return false }
            return spent + s.reservedCost + Double(cases) * one <= maxCostUSD
        }
    }

    /// Holds back `cases` runs of a case (the confirmation's) from what the trials may spend;
    /// false when they do not fit at all.
    public func reserve(cases: Int) -> Bool {
        guard fits(cases: cases) else { return false }
        state.withLock { s in
            s.reservedCalls = cases * callsPerCase
            s.reservedCost = Double(cases) * (caseCost(s) ?? 0)
        }
        return true
    }

    /// The confirmation starts: what was held back is its to spend.
    public func release() { state.withLock { $0.reservedCalls = 0; $0.reservedCost = 0 } }

    /// Before each case: throws `Exhausted` unless one more case fits.
    public func beforeCase() throws(Exhausted) {
        guard fits(cases: 1) else { throw Exhausted() }
    }

    /// After each case: what it spent (a nil cost makes the total unknown).
    public func charge(calls: Int, costUSD: Double?) {
        state.withLock { s in
            s.spent.calls += calls
            if let costUSD, let sum = s.spent.costUSD { s.spent.costUSD = sum + costUSD } else { s.spent.costUSD = nil }
            if let costUSD { s.dearestCase = max(s.dearestCase ?? 0, costUSD) }
        }
    }
}
