// The Swift toolchain this module was compiled with, as "swift-MAJOR.MINOR.PATCH".
//
// Swift has no stable ABI on Linux, so a Swift plugin must come from the host's exact
// toolchain. PluginKit writes this string into every Swift plugin's manifest
// ("swift_toolchain") and the host compares it with its own copy: both are produced by
// the same code, so they agree exactly when the same compiler built both.

public enum SwiftToolchain {
    public static let identifier: String = {
        #if compiler(>=6.5)
        return "swift-6.5+"
        #elseif compiler(>=6.4)
        return "swift-6.4"
        #elseif compiler(>=6.3.3)
        return "swift-6.3.3+"
        #elseif compiler(>=6.3.2)
        return "swift-6.3.2"
        #elseif compiler(>=6.3.1)
        return "swift-6.3.1"
        #elseif compiler(>=6.3)
        return "swift-6.3.0"
        #elseif compiler(>=6.2)
        return "swift-6.2"
        #else
        return "swift-older-than-6.2"
        #endif
    }()
}
