import HostMeasurement
import StudioJSON

/// A finished trial as a strategy sees it: the configuration and its score (higher is better).
public struct ScoredTrial: Sendable {
    public let config: JSONObject
    public let score: Double
    public init(config: JSONObject, score: Double) {
        self.config = config
        self.score = score
    }
}

/// How the next configuration is chosen (docs/tuning.md, "Strategies"). Every strategy is
/// seeded, so a tuning run can be repeated (and resumed) exactly; none proposes a
/// configuration already in `history`; nil means the space is exhausted.
public protocol SearchStrategy: Sendable {
    mutating func next(after history: [ScoredTrial]) -> JSONObject?
}

public enum StrategyName: String, Sendable, CaseIterable {
    case grid, random, tpe
}

extension SearchSpace {
    /// The strategy by its API name; a grid needs a space it can list.
    public func strategy(_ name: StrategyName, seed: UInt64) throws(FieldError) -> any SearchStrategy {
        switch name {
        case .grid:
            guard let all = grid() else {
                throw FieldError("strategy", size == nil ? "a grid needs a step (or values) for every parameter"
                                                         : "the grid has \(size!) configurations; at most \(SearchSpace.maxGrid): use random or tpe")
            }
            return GridSearch(configurations: all)
        case .random: return RandomSearch(space: self, seed: seed)
        case .tpe: return TreeParzenSearch(space: self, seed: seed)
        }
    }
}

/// Every configuration in order.
public struct GridSearch: SearchStrategy {
    let configurations: [JSONObject]
    public mutating func next(after history: [ScoredTrial]) -> JSONObject? {
        let tried = Set(history.map { SearchSpace.key($0.config) })
        return configurations.first { !tried.contains(SearchSpace.key($0)) }
    }
}

/// Uniform draws, seeded; a draw already tried is drawn again (up to a bound, then the
/// space counts as exhausted).
public struct RandomSearch: SearchStrategy {
    let space: SearchSpace
    var generator: SeededGenerator
    public init(space: SearchSpace, seed: UInt64) {
        self.space = space
        generator = SeededGenerator(seed: seed)
    }
    public mutating func next(after history: [ScoredTrial]) -> JSONObject? {
        let tried = Set(history.map { SearchSpace.key($0.config) })
        if let size = space.size, tried.count >= size { return nil }
        for _ in 0..<10_000 {
            let config = space.random(using: &generator)
            if !tried.contains(SearchSpace.key(config)) { return config }
        }
        return nil
    }
}
