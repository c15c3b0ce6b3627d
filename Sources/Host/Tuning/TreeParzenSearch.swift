import Foundation
import HostMeasurement
import StudioJSON

/// The tree-structured Parzen estimator (Bergstra et al., 2011), the model-based search
/// (docs/tuning.md, "TPE"). After `startup` random trials, the trials so far are split at a
/// quantile into good (the best `gamma`) and the rest. For each parameter, two densities
/// are estimated over its range mapped to [0, 1]: l from the good trials and g from the
/// others (a Gaussian at each trial's value, its width the distance to its neighbours, plus
/// a flat prior; for a list of values, smoothed counts). Candidates are drawn from l and the
/// one with the highest l/g, not yet tried, is proposed: where good trials cluster and
/// bad ones do not. Parameters are modelled independently, as in the original.
public struct TreeParzenSearch: SearchStrategy {
    let space: SearchSpace
    var generator: SeededGenerator
    var fallback: RandomSearch
    public var startup: Int
    public var gamma = 0.25
    public var candidates = 32

    public init(space: SearchSpace, seed: UInt64) {
        self.space = space
        generator = SeededGenerator(seed: seed ^ 0x7470_6521)
        fallback = RandomSearch(space: space, seed: seed)
        startup = max(6, 2 * space.names.count)
    }

    public mutating func next(after history: [ScoredTrial]) -> JSONObject? {
        guard history.count >= startup else { return fallback.next(after: history) }
        let tried = Set(history.map { SearchSpace.key($0.config) })
        if let size = space.size, tried.count >= size { return nil }
        let ranked = history.sorted { $0.score > $1.score }
        let goodCount = max(1, Int((gamma * Double(ranked.count)).rounded(.up)))
        let good = Array(ranked.prefix(goodCount)), bad = Array(ranked.dropFirst(goodCount))

        let densities = space.names.map { (Density(space: space, name: $0, trials: good), Density(space: space, name: $0, trials: bad)) }
        var best: (JSONObject, Double)? = nil
        for _ in 0..<candidates {
            var config = JSONObject(), score = 0.0
            for (name, (l, g)) in zip(space.names, densities) {
                let value = l.sample(using: &generator)
                config[name] = value
                score += log(l.at(value)) - log(g.at(value))
            }
            if tried.contains(SearchSpace.key(config)) { continue }
            if best == nil || score > best!.1 { best = (config, score) }
        }
        // Every candidate had been tried (a small space, a sharp l): explore instead.
        return best?.0 ?? fallback.next(after: history)
    }

    /// One parameter's Parzen density over the trials given.
    struct Density {
        let space: SearchSpace
        let name: String
        let centres: [Double]     // in [0, 1]
        let widths: [Double]
        let counts: [Double]?     // for a list of values: smoothed weights per value

        init(space: SearchSpace, name: String, trials: [ScoredTrial]) {
            self.space = space
            self.name = name
            let points = trials.compactMap { $0.config[name] }
            if case .values(let list) = space.dimensions[name]! {
                var weights = [Double](repeating: 1, count: list.count)  // the prior: one pseudo-count each
                for p in points { if let i = list.firstIndex(where: { $0.jsonString == p.jsonString }) { weights[i] += 1 } }
                let total = weights.reduce(0, +)
                counts = weights.map { $0 / total }
                centres = []; widths = []
                return
            }
            counts = nil
            let xs = points.map { space.unit(name, of: $0) }.sorted()
            centres = xs
            // Each kernel as wide as the larger gap to its neighbours (the edges count as
            // neighbours), kept between a step's worth and the whole range.
            let floor = 1.0 / Double(min(100, max(10, (space.dimensions[name]!.count ?? 100))))
            widths = xs.indices.map { i in
                let left = i > 0 ? xs[i] - xs[i - 1] : xs[i]
                let right = i + 1 < xs.count ? xs[i + 1] - xs[i] : 1 - xs[i]
                return min(1, max(floor, max(left, right)))
            }
        }

        /// The density at a value (the flat prior weighs as one more kernel).
        func at(_ value: JSONValue) -> Double {
            if let counts {
                guard case .values(let list) = space.dimensions[name]!,
                      let i = list.firstIndex(where: { $0.jsonString == value.jsonString }) else { return 1e-12 }
                return counts[i]
            }
            let x = space.unit(name, of: value)
            var sum = 1.0  // the prior: uniform on [0, 1]
            for (c, w) in zip(centres, widths) { sum += exp(-0.5 * pow((x - c) / w, 2)) / (w * (2 * Double.pi).squareRoot()) }
            return max(1e-12, sum / Double(centres.count + 1))
        }

        func sample(using generator: inout SeededGenerator) -> JSONValue {
            if let counts {
                guard case .values(let list) = space.dimensions[name]! else { return .null }
                var u = Double.random(in: 0..<1, using: &generator)
                for (i, p) in counts.enumerated() { u -= p; if u < 0 { return list[i] } }
                return list[list.count - 1]
            }
            let pick = Int.random(in: 0...centres.count, using: &generator)
            if pick == centres.count { return space.value(name, at: Double.random(in: 0...1, using: &generator)) }
            // Box–Muller for one normal draw around the chosen trial.
            let u1 = max(1e-12, Double.random(in: 0..<1, using: &generator)), u2 = Double.random(in: 0..<1, using: &generator)
            let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            return space.value(name, at: centres[pick] + widths[pick] * z)
        }
    }
}
