import Foundation
import HostMeasurement
import HostProviderCalls
import HostSimulator
import HostTransport
import HostTuning
import StudioJSON
import Testing

/// The tuner's parts (docs/tuning.md): search spaces refused in words, the strategies, the
/// model-based search against random search on the simulator's known surface, the paired
/// comparison that says "no significant difference" when that is the truth, the Pareto front.
@Suite struct TuningTests {
    static let surfaceSpace = try! SearchSpace(json: ["temperature": ["min": 0, "max": 2, "step": 0.05], "top_p": ["min": 0, "max": 1, "step": 0.05]])

    @Test func searchSpacesAreRefusedInWordsNamingTheParameter() {
        let cases: [(JSONValue, String, String)] = [
            ([:], "space", "at least one parameter"),
            (["temperature": ["min": 1, "max": 0]], "space.temperature", "min must not be above max"),
            (["temperature": ["min": 0, "max": 1, "step": 0]], "space.temperature.step", "above 0"),
            (["temperature": ["min": 0, "max": 100, "step": 0.001]], "space.temperature.step", "at most 10000"),
            (["tool_choice": ["values": ["auto", "auto"]]], "space.tool_choice", "listed twice"),
            (["top_k": ["min": 0.5, "max": 4, "integer": true]], "space.top_k", "whole"),
            (["top_p": ["from": 0]], "space.top_p", "\"values\""),
        ]
        for (json, field, words) in cases {
            #expect(throws: FieldError.self) { _ = try SearchSpace(json: json) }
            do { _ = try SearchSpace(json: json) } catch {
                #expect(error.field == field && error.message.contains(words), "\(json.jsonString): \(error)")
            }
        }
    }

    @Test func aGridListsEveryConfigurationOnceAndStrategiesNeverRepeat() throws {
        let space = try SearchSpace(json: ["temperature": ["min": 0, "max": 1, "step": 0.1], "tool_choice": ["values": ["auto", "required"]],
                                           "top_k": ["min": 1, "max": 5, "integer": true]])
        #expect(space.size == 11 * 2 * 5)
        let grid = try #require(space.grid())
        #expect(grid.count == 110 && Set(grid.map(SearchSpace.key)).count == 110)
        #expect(grid.contains { $0["temperature"] == .double(0.3) }, "steps land on round values, not 0.30000000000000004")
        for name in StrategyName.allCases {
            var strategy = try space.strategy(name, seed: 7)
            var history: [ScoredTrial] = []
            while let next = strategy.next(after: history) {
                history.append(ScoredTrial(config: next, score: Double(history.count % 7)))
            }
            #expect(history.count == 110, "\(name) proposes every configuration once, then stops")
            #expect(Set(history.map { SearchSpace.key($0.config) }).count == 110)
        }
        // A continuous range cannot be a grid; a seed repeats its draws exactly.
        let continuous = try SearchSpace(json: ["temperature": ["min": 0, "max": 1]])
        #expect(throws: FieldError.self) { _ = try continuous.strategy(.grid, seed: 1) }
        var a = try continuous.strategy(.tpe, seed: 42), b = try continuous.strategy(.tpe, seed: 42)
        var history: [ScoredTrial] = []
        for _ in 0..<20 {
            let x = a.next(after: history), y = b.next(after: history)
            #expect(x.map(SearchSpace.key) == y.map(SearchSpace.key))
            history.append(ScoredTrial(config: x!, score: -abs((x!["temperature"]?.doubleValue ?? 0) - 0.3)))
        }
    }

    /// The claim of the issue: on the simulator's surface (861 configurations, 5 of them
    /// within 95 % of the optimum), the model-based search finds one within a budget where
    /// random search mostly does not, over 20 seeds with the same seeds and budget for both.
    @Test func treeParzenFindsTheOptimumWhereRandomSearchDoesNot() throws {
        let budget = 60
        var reached: [StrategyName: [Int?]] = [:]
        for name in [StrategyName.tpe, .random] {
            for seed in 1...20 {
                var strategy = try Self.surfaceSpace.strategy(name, seed: UInt64(seed))
                var history: [ScoredTrial] = []
                var hit: Int? = nil
                while history.count < budget, let config = strategy.next(after: history) {
                    let score = ResponseSurface.accuracy(temperature: config["temperature"]?.doubleValue, topP: config["top_p"]?.doubleValue,
                                                         systemPrompt: ResponseSurface.phrase)
                    history.append(ScoredTrial(config: config, score: score))
                    if hit == nil && score >= 0.95 * ResponseSurface.optimum.accuracy { hit = history.count }
                }
                reached[name, default: []].append(hit)
            }
        }
        func found(_ name: StrategyName) -> Int { reached[name]!.compactMap { $0 }.count }
        func meanTrials(_ name: StrategyName) -> Double {
            let hits = reached[name]!.map { Double($0 ?? budget) }
            return hits.reduce(0, +) / Double(hits.count)
        }
        print("tuning surface, budget \(budget), 20 seeds: tpe reached 95 % of the optimum in \(found(.tpe))/20 (mean trials \(meanTrials(.tpe)), "
              + "random in \(found(.random))/20 (mean trials \(meanTrials(.random)), a miss counted as \(budget))")
        #expect(found(.tpe) >= 17, "\(reached[.tpe]!)")
        #expect(found(.random) <= 12, "\(reached[.random]!)")
        #expect(meanTrials(.tpe) < meanTrials(.random))
    }

    @Test func aPairedComparisonSaysNoDifferenceWhenThereIsNone() {
        // The flat model: two configurations, independent 60 % draws on 40 cases, many times.
        var claims = 0
        for trial in 0..<40 {
            let baseline = (0..<40).map { c in Self.draw(0.6, "a\(trial)-\(c)") }
            let candidate = (0..<40).map { c in Self.draw(0.6, "b\(trial)-\(c)") }
            if PairedComparison.of(baseline: baseline, candidate: candidate, seed: UInt64(trial)).verdict != .noSignificantDifference { claims += 1 }
        }
        #expect(claims <= 4, "about 5 % false claims at most: \(claims) of 40")
        // A true improvement (the surface's optimum against its default) is found.
        let baseline = (0..<40).map { c in Self.draw(ResponseSurface.accuracy(temperature: 1, topP: 1, systemPrompt: ""), "base-\(c)") }
        let best = (0..<40).map { c in Self.draw(ResponseSurface.optimum.accuracy, "best-\(c)") }
        let comparison = PairedComparison.of(baseline: baseline, candidate: best)
        #expect(comparison.verdict == .better && comparison.low > 0, "\(comparison)")
        // Exact p for few cases: 5 of 5 better is p = 2/32 (not significant), 6 of 6 is 2/64.
        #expect(PairedComparison.of(baseline: [0, 0, 0, 0, 0], candidate: [1, 1, 1, 1, 1]).pValue == 0.0625)
        #expect(PairedComparison.of(baseline: [0, 0, 0, 0, 0, 0], candidate: [1, 1, 1, 1, 1, 1]).pValue == 0.03125)
        #expect(PairedComparison.of(baseline: [1, 0.5], candidate: [1, 0.5]).verdict == .noSignificantDifference)
    }

    @Test func theParetoFrontKeepsWhatNothingBeatsOnEveryCount() {
        let points: [ParetoFront.Point] = [
            .init(id: "best score", score: 0.9, cost: 3, latency: 900),
            .init(id: "cheapest", score: 0.7, cost: 1, latency: 800),
            .init(id: "dominated", score: 0.6, cost: 2, latency: 950),
            .init(id: "fastest", score: 0.5, cost: 4, latency: 100),
            .init(id: "unknown cost", score: 0.55, cost: nil, latency: 700),
        ]
        #expect(ParetoFront.of(points) == ["best score", "cheapest", "fastest", "unknown cost"])
    }

    /// The simulator serves the surface over real HTTP, as documented: over 300 seeds the
    /// share of right calls at a configuration is its formula's accuracy; the flat model's
    /// is 60 % whatever it is given.
    @Test func theSimulatorAnswersAsItsSurfaceSays() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        func share(model: String, temperature: Double, topP: Double, system: String) async throws -> Double {
            var right = 0
            for seed in 0..<300 {
                let body: JSONValue = ["model": .string(model), "temperature": .double(temperature), "top_p": .double(topP), "seed": .int(Int64(seed)),
                                       "messages": [["role": "system", "content": .string(system)], ["role": "user", "content": "What is the weather in Paris? Use get_weather."]],
                                       "tools": [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]]]]]]]
                let answer = try await WholeExchange.fetch(transport, method: "POST", url: simulator.baseURL + "/v1/chat/completions",
                                                           headers: [("content-type", "application/json")], body: Array(body.jsonString.utf8),
                                                           maxBody: 1 << 20, timeoutSeconds: 10).get()
                let json = try JSONParser.parse(String(decoding: answer.body, as: UTF8.self))
                let call = json["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.first
                if call?["function"]?["name"] == "get_weather" { right += 1 }
            }
            return Double(right) / 300
        }
        for (t, p, system) in [(0.35, 0.8, "Call exactly one tool."), (1.0, 1.0, ""), (0.35, 0.3, "")] {
            let expected = ResponseSurface.accuracy(temperature: t, topP: p, systemPrompt: system)
            let measured = try await share(model: "sim-ttft1-gap1-toolssurface", temperature: t, topP: p, system: system)
            // Three binomial standard errors at n = 300.
            #expect(abs(measured - expected) <= 3 * (expected * (1 - expected) / 300).squareRoot() + 0.005, "t=\(t) p=\(p): \(measured) vs \(expected)")
        }
        let flat = try await share(model: "sim-ttft1-gap1-toolsflat", temperature: 0.35, topP: 0.8, system: "Call exactly one tool.")
        #expect(abs(flat - 0.6) <= 0.09, "\(flat)")
        try await transport.shutdown()
        await simulator.stop()
    }

    static func draw(_ p: Double, _ key: String) -> Double {
        var hash: UInt64 = 1469598103934665603
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
        var generator = SeededGenerator(seed: hash)
        return Double(generator.next() >> 11) / Double(1 << 53) < p ? 1 : 0
    }
}
