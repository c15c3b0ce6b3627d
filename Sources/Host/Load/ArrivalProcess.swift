import Foundation
import HostMeasurement


/// When each request of an open-loop level is due, in seconds from the level's start:
/// evenly spaced at 1/R, or Poisson (independent exponential gaps of mean 1/R).
public struct ArrivalProcess: Sendable {
    public let rate: Double
    public let poisson: Bool
    private var generator: SeededGenerator
    private var last = 0.0
    private var index = 0

    public init(rate: Double, poisson: Bool, seed: UInt64) {
        self.rate = rate
        self.poisson = poisson
        generator = SeededGenerator(seed: seed)
    }

    /// The next arrival's offset (the first is at 0 for constant arrivals).
    public mutating func next() -> Double {
        defer { index += 1 }
        guard poisson else { return Double(index) / rate }
        // Inverse transform: −ln(1 − U) / R with U in [0, 1).
        let u = Double(generator.next() >> 11) / Double(1 << 53)
        last += -log1p(-u) / rate
        return last
    }
}
