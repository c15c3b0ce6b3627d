/// The names of the runner's protections (studio_sandbox.h's bits), as listed by
/// `studio plugins list` and `/api/plugins`.
public enum PluginSandbox {
    public static func names(_ bits: UInt32) -> [String] {
        let all: [(bit: UInt32, name: String)] = [(1, "rlimits"), (2, "seccomp"), (4, "landlock"), (8, "landlock-net"), (16, "landlock-scope")]
        return all.filter { bits & $0.bit != 0 }.map(\.name)
    }
}
