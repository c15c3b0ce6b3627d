public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// JSON Pointer to the offending value ("" is the root).
    public let path: String
    public let message: String
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
