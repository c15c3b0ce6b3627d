/// How long each plugin call may take before its runner is killed (docs/plugins.md).
public struct PluginDeadlines: Sendable, Equatable {
    /// dlopen, the library's initialisers and its init.
    public var loadMilliseconds = 10_000
    /// provider.create / scorer.create.
    public var createMilliseconds = 5_000
    /// One score.
    public var scoreMilliseconds = 10_000
    /// build_request, parse_response, list models, classify_error.
    public var requestMilliseconds = 5_000
    /// decoder_create, one read's decode, finish: a decoder answers in microseconds.
    public var decodeMilliseconds = 2_000

    public init() {}

    /// Every call's deadline set to `milliseconds` except load's (a per-plugin override).
    public static func uniform(_ milliseconds: Int) -> PluginDeadlines {
        var d = PluginDeadlines()
        d.createMilliseconds = milliseconds
        d.scoreMilliseconds = milliseconds
        d.requestMilliseconds = milliseconds
        d.decodeMilliseconds = milliseconds
        return d
    }
}
