import HostMeasurement
import StudioJSON

/// What one configuration scored on the suite: every run of every case.
public struct TrialOutcome: Sendable, Equatable {
    /// Scores per case id, one per repeat.
    public var caseScores: [String: [Double]] = [:]
    public var costUSD: Double? = 0
    public var latencyTotalMs = 0.0
    public var latencyCount = 0
    public var calls = 0
    public var errors = 0

    public init() {}

    public mutating func add(caseID: String, score: Double, costUSD: Double?, latencyMs: Double?, calls: Int, error: Bool) {
        caseScores[caseID, default: []].append(score)
        if let costUSD, let sum = self.costUSD { self.costUSD = sum + costUSD } else { self.costUSD = nil }
        if let latencyMs { latencyTotalMs += latencyMs; latencyCount += 1 }
        self.calls += calls
        if error { errors += 1 }
    }

    public mutating func merge(_ other: TrialOutcome) {
        for (id, scores) in other.caseScores { caseScores[id, default: []] += scores }
        if let cost = other.costUSD, let sum = costUSD { costUSD = sum + cost } else { costUSD = nil }
        latencyTotalMs += other.latencyTotalMs
        latencyCount += other.latencyCount
        calls += other.calls
        errors += other.errors
    }

    /// Mean score per case.
    public var perCase: [String: Double] { caseScores.mapValues { $0.reduce(0, +) / Double(max(1, $0.count)) } }
    /// The trial's score: the mean over cases of each case's mean, so every case weighs the same.
    public var score: Double { let all = perCase.values; return all.isEmpty ? 0 : all.reduce(0, +) / Double(all.count) }
    public var latencyMs: Double? { latencyCount == 0 ? nil : latencyTotalMs / Double(latencyCount) }
}

/// A finished trial as the loop keeps it.
public struct Trial: Sendable, Equatable {
    public var position: Int
    public var config: JSONObject
    /// What the provider's rules made of the configuration; equal text means the same request.
    public var resolvedKey: String
    public var resolved: JSONValue
    public var repeats: Int
    public var outcome: TrialOutcome
    public var note: String?

    public init(position: Int, config: JSONObject, resolvedKey: String, resolved: JSONValue, repeats: Int, outcome: TrialOutcome, note: String?) {
        self.position = position
        self.config = config
        self.resolvedKey = resolvedKey
        self.resolved = resolved
        self.repeats = repeats
        self.outcome = outcome
        self.note = note
    }

    public var score: Double { outcome.score }
    /// A trial that did not run (refused, or the same request as an earlier one).
    public var ran: Bool { outcome.calls > 0 || !outcome.caseScores.isEmpty }
}

/// The tuning loop (docs/tuning.md): propose, resolve, run the cases once, give the best
/// third more repeats (successive halving), record; until the trials, the space or the
/// budget run out, or the job is cancelled. It owns no I/O: the job gives it `resolve` (the
/// provider's rules) and `evaluate` (an eval of the suite), so the same loop runs in tests
/// against the simulator and in jobs.
public struct TuningLoop: Sendable {
    public enum Resolution: Sendable {
        /// The request the configuration becomes (its key decides sameness).
        case request(key: String, resolved: JSONValue)
        /// The provider's rules refuse it, for this reason.
        case refused(String)
    }

    public enum Stop: String, Sendable { case trials, exhausted, budget, cancelled }

    public let request: TuneRequest
    public let budget: TuningBudget
    /// Cases in the suite: a trial's first run costs this many case runs per repeat.
    public let cases: Int

    public init(request: TuneRequest, budget: TuningBudget, cases: Int) {
        self.request = request
        self.budget = budget
        self.cases = cases
    }

    /// Runs trials after `done` (a resumed run's stored trials, replayed through the strategy
    /// so it proposes what it would have next). `record` stores and reports each new trial.
    public func run(after done: [Trial],
                    resolve: (JSONObject) async throws -> Resolution,
                    evaluate: (JSONObject, ClosedRange<Int>) async throws -> TrialOutcome,
                    record: (Trial) async throws -> Void) async throws -> (trials: [Trial], stop: Stop) {
        var strategy = try request.space.strategy(request.strategy, seed: request.seed)
        var trials: [Trial] = []
        for trial in done {  // the same calls, in the same order, as the first time
            _ = strategy.next(after: trials.map { ScoredTrial(config: $0.config, score: $0.score) })
            trials.append(trial)
        }
        while trials.count < request.trials {
            if Task.isCancelled { return (trials, .cancelled) }
            guard let config = strategy.next(after: trials.map { ScoredTrial(config: $0.config, score: $0.score) }) else {
                return (trials, .exhausted)
            }
            let position = trials.count
            switch try await resolve(config) {
            case .refused(let reason):
                // Scored 0 so that a model-based strategy learns to stay away from it.
                let trial = Trial(position: position, config: config, resolvedKey: "", resolved: .null, repeats: 0,
                                  outcome: TrialOutcome(), note: "refused by the provider's rules: \(reason)")
                trials.append(trial)
                try await record(trial)
                continue
            case .request(let key, let resolved):
                if let same = trials.first(where: { $0.ran && $0.resolvedKey == key }) {
                    // The rules made it a request already tried: its score, without a call.
                    var trial = same
                    trial.position = position
                    trial.config = config
                    trial.note = "the same request as trial \(same.position + 1) after the provider's rules"
                    trial.outcome.calls = 0
                    trial.outcome.costUSD = 0
                    trials.append(trial)
                    try await record(trial)
                    continue
                }
                guard budget.fits(cases: cases * request.firstRepeats) else { return (trials, .budget) }
                var outcome: TrialOutcome
                do {
                    outcome = try await evaluate(config, 1...request.firstRepeats)
                } catch is TuningBudget.Exhausted {
                    return (trials, .budget)
                }
                if Task.isCancelled { return (trials, .cancelled) }  // a partial trial is not a score
                var repeats = request.firstRepeats
                var note: String? = nil
                if request.halving, request.repeats > repeats, promotes(outcome.score, among: trials),
                   budget.fits(cases: cases * (request.repeats - repeats)) {
                    do {
                        outcome.merge(try await evaluate(config, (repeats + 1)...request.repeats))
                        repeats = request.repeats
                        note = "among the best third after one run of each case: \(request.repeats) repeats"
                    } catch is TuningBudget.Exhausted {
                        note = "the budget ran out before its further repeats"
                    }
                    if Task.isCancelled { return (trials, .cancelled) }
                }
                let trial = Trial(position: position, config: config, resolvedKey: key, resolved: resolved, repeats: repeats,
                                  outcome: outcome, note: note)
                trials.append(trial)
                try await record(trial)
            }
        }
        return (trials, .trials)
    }

    /// Asynchronous successive halving with a factor of 3: a trial goes on when its
    /// first-run score is among the best third of all first runs so far (itself included;
    /// the first trial always does, so a short run still has a fully repeated trial).
    func promotes(_ score: Double, among earlier: [Trial]) -> Bool {
        let firsts = earlier.filter { $0.ran && $0.note?.hasPrefix("the same request") != true }.map { $0.outcome.firstRunScore } + [score]
        let better = firsts.filter { $0 > score }.count
        return better < max(1, firsts.count / 3)
    }

    /// The best trial that ran: the highest score, the fewest errors, the earliest.
    public static func best(_ trials: [Trial]) -> Trial? {
        trials.filter(\.ran).min { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.outcome.errors != b.outcome.errors { return a.outcome.errors < b.outcome.errors }
            return a.position < b.position
        }
    }
}

extension TrialOutcome {
    /// The score of each case's first run only: what every trial has, promoted or not.
    public var firstRunScore: Double {
        let firsts = caseScores.values.compactMap(\.first)
        return firsts.isEmpty ? 0 : firsts.reduce(0, +) / Double(firsts.count)
    }
}
