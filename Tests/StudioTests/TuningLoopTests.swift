import HostTuning
import StudioJSON
import Testing

/// The tuning loop (docs/tuning.md) with a made-up suite whose score is a known function of
/// the configuration: successive halving, the hard budget, sameness after the provider's
/// rules, and a resumed run proposing what an uninterrupted one would have.
@Suite struct TuningLoopTests {
    static let cases = 10

    /// Case i passes when |temperature − 0.4| < 0.05·(i+1): a smooth hill, best at 0.4.
    static func outcome(_ config: JSONObject, _ repeats: ClosedRange<Int>, budget: TuningBudget) throws -> TrialOutcome {
        let t = config["temperature"]?.doubleValue ?? 1
        var outcome = TrialOutcome()
        for _ in repeats {
            for i in 0..<cases {
                try budget.beforeCase()
                budget.charge(calls: 1, costUSD: 0.01)
                outcome.add(caseID: "c\(i)", score: abs(t - 0.4) < 0.05 * Double(i + 1) ? 1 : 0, costUSD: 0.01, latencyMs: 10, calls: 1, error: false)
            }
        }
        return outcome
    }

    static func request(_ extra: JSONObject = [:]) throws -> TuneRequest {
        var json: JSONObject = ["suite_id": "s", "target": ["provider": "p", "model": "m"],
                                "space": ["temperature": ["min": 0, "max": 1, "step": 0.1]], "strategy": "random", "seed": 5, "trials": 11]
        for (k, v) in extra { json[k] = v }
        return try TuneRequest(json: .object(json))
    }

    static func run(_ request: TuneRequest, budget: TuningBudget, after done: [Trial] = [],
                    resolve: @escaping (JSONObject) -> TuningLoop.Resolution = { .request(key: JSONValue.object($0).jsonString, resolved: .object($0)) })
        async throws -> ([Trial], TuningLoop.Stop, [Trial]) {
        var recorded: [Trial] = []
        let (trials, stop) = try await TuningLoop(request: request, budget: budget, cases: cases).run(
            after: done, resolve: { resolve($0) }, evaluate: { try outcome($0, $1, budget: budget) }, record: { recorded.append($0) })
        return (trials, stop, recorded)
    }

    @Test func successiveHalvingSpendsRepeatsOnlyOnTheBestThird() async throws {
        let budget = TuningBudget(maxCalls: 10_000, maxCostUSD: nil, callsPerCase: 1, costPerCallEstimate: nil)
        let (trials, stop, recorded) = try await Self.run(try Self.request(["repeat": 3, "halving": true]), budget: budget)
        #expect(stop == .exhausted || stop == .trials)
        #expect(trials.count == 11 && recorded.count == 11)
        let promoted = trials.filter { $0.repeats == 3 }
        #expect(trials.allSatisfy { $0.repeats == 1 || $0.repeats == 3 })
        #expect(promoted.count >= 1 && promoted.count <= 6, "\(trials.map(\.repeats))")
        // A promoted trial ranked among the best third of the first runs when it ran.
        for p in promoted {
            let earlier = trials.prefix(p.position + 1).map(\.outcome.firstRunScore)
            #expect(earlier.filter { $0 > p.outcome.firstRunScore }.count < max(1, earlier.count / 3))
        }
        #expect(budget.spent.calls == trials.map(\.outcome.calls).reduce(0, +))
        #expect(budget.spent.calls == 11 * 10 + promoted.count * 20)
        #expect(TuningLoop.best(trials)?.config["temperature"] == 0.4)
    }

    @Test func theBudgetIsNeverPassedAndHoldsBackTheConfirmation() async throws {
        // Calls: 35 allowed, 10 held back; each trial needs 10, so two trials fit, not three.
        let calls = TuningBudget(maxCalls: 35, maxCostUSD: nil, callsPerCase: 1, costPerCallEstimate: nil)
        #expect(calls.reserve(cases: 10))
        let (trials, stop, _) = try await Self.run(try Self.request(), budget: calls)
        #expect(stop == .budget && trials.count == 2 && calls.spent.calls == 20)
        calls.release()
        #expect(calls.fits(cases: 15) && !calls.fits(cases: 16))
        // Money: $0.01 a case, $0.255 allowed → 25 cases at most, stopped before the 26th.
        let money = TuningBudget(maxCalls: 1_000, maxCostUSD: 0.255, callsPerCase: 1, costPerCallEstimate: 0.01)
        let (spentTrials, moneyStop, _) = try await Self.run(try Self.request(), budget: money)
        #expect(moneyStop == .budget && spentTrials.count == 2)
        #expect((money.spent.costUSD ?? 99) <= 0.255 + 1e-9)
        // Promotion that does not fit is skipped, and said so, instead of overrunning.
        let tight = TuningBudget(maxCalls: 25, maxCostUSD: nil, callsPerCase: 1, costPerCallEstimate: nil)
        let (halved, _, _) = try await Self.run(try Self.request(["repeat": 3, "halving": true]), budget: tight)
        #expect(tight.spent.calls <= 25 && halved.first?.repeats == 1)
    }

    @Test func aConfigurationTheRulesMakeIntoOneAlreadyTriedCostsNothing() async throws {
        // The provider's rules clamp temperature to 0.5 at most: 0.5 … 1.0 are one request.
        let budget = TuningBudget(maxCalls: 10_000, maxCostUSD: nil, callsPerCase: 1, costPerCallEstimate: nil)
        let (trials, _, _) = try await Self.run(try Self.request(["strategy": "grid"]), budget: budget) { config in
            let t = min(config["temperature"]?.doubleValue ?? 0, 0.5)
            return config["temperature"]?.doubleValue == 0.9 ? .refused("temperature 0.9 is cursed")
                                                              : .request(key: "\(t)", resolved: ["temperature": .double(t)])
        }
        #expect(trials.count == 11)
        let copies = trials.filter { $0.note?.hasPrefix("the same request") == true }
        #expect(copies.count == 4)  // 0.6, 0.7, 0.8, 1.0 (0.9 is refused)
        #expect(copies.allSatisfy { $0.outcome.calls == 0 && $0.score == trials[5].score })
        let refused = try #require(trials.first { $0.config["temperature"] == 0.9 })
        #expect(refused.score == 0 && !refused.ran && refused.note?.contains("cursed") == true)
        #expect(budget.spent.calls == 6 * 10)
    }

    @Test func aResumedRunProposesWhatAnUninterruptedOneWould() async throws {
        for strategy in ["grid", "random", "tpe"] {
            let request = try Self.request(["strategy": .string(strategy), "trials": 14,
                                            "space": ["temperature": ["min": 0, "max": 1, "step": 0.05], "top_p": ["values": [0.5, 1]]]])
            let whole = try await Self.run(request, budget: TuningBudget(maxCalls: 10_000, maxCostUSD: nil, callsPerCase: 1, costPerCallEstimate: nil)).0
            let firstPart = Array(whole.prefix(5))
            let resumed = try await Self.run(request, budget: TuningBudget(maxCalls: 10_000, maxCostUSD: nil, callsPerCase: 1, costPerCallEstimate: nil),
                                             after: firstPart).0
            #expect(resumed.map(\.config) == whole.map(\.config), "\(strategy)")
            #expect(resumed.map(\.position) == Array(0..<14))
        }
    }

    /// The best on an experiment's timeline is a finished run's: a running or cancelled eval's
    /// score is partial (found in the dashboard: a running eval at 0.05 could become "best").
    @Test func theBestOnATimelineIsAFinishedRunsOnly() {
        let entries: [JSONValue] = [
            ["kind": "eval", "id": "a", "status": "done", "config": ["temperature": 1], "models": [["target": "p/m", "score": 0.4]]],
            ["kind": "eval", "id": "b", "status": "running", "config": ["temperature": 0.3], "models": [["target": "p/m", "score": 1.0]]],
            ["kind": "eval", "id": "c", "status": "cancelled", "config": ["temperature": 0.2], "models": [["target": "p/m", "score": 0.9]]],
            ["kind": "tuning", "id": "d", "status": "done", "target": ["provider": "p", "model": "m"],
             "best": ["config": ["temperature": 0.35], "score": 0.8], "confirmation": ["best": ["score": 0.7]]],
        ]
        let best = ExperimentTimeline.best(entries)
        #expect(best["from"]?["id"] == "d" && best["score"] == 0.7 && best["config"] == ["temperature": 0.35], "\(best)")
    }
}
