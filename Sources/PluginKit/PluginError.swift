/// An error a plugin reports to the host. The case decides the ABI status code.
public enum PluginError: Error, CustomStringConvertible, Sendable {
    /// The input (request, case, output, config) is malformed or not what was expected.
    case invalidInput(String)
    /// The plugin does not implement this (e.g. model listing).
    case unsupported(String)
    /// Bytes from the provider could not be decoded.
    case malformedStream(String)
    /// Anything else: a bug in the plugin.
    case `internal`(String)

    public var description: String {
        switch self {
        case .invalidInput(let m), .unsupported(let m), .malformedStream(let m), .internal(let m): return m
        }
    }
}
