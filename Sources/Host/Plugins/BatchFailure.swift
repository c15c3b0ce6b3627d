/// A batch of reads stopped at `readIndex` with `error`.
public struct BatchFailure: Error, Sendable {
    public let readIndex: Int
    public let error: PluginCallError
}
