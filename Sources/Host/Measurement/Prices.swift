/// Prices in USD per million tokens. nil means unknown, and an unknown price gives an
/// unknown cost, never 0.
public struct Prices: Sendable, Equatable {
    public var input: Double?
    public var output: Double?
    public init(input: Double?, output: Double?) {
        self.input = input
        self.output = output
    }
}
