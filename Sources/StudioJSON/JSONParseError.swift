public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    /// Byte offset, 1-based line and column of the problem.
    public let offset: Int
    public let line: Int
    public let column: Int

    public var description: String { "\(message) at line \(line), column \(column)" }
}
