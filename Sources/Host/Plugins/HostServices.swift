import PluginABI
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The studio_host_t table handed to every plugin's init. One table for the process,
/// never freed (plugins may keep the pointer for their lifetime, which is the process's).
public enum HostServices {
    /// Where plugin log lines go. Set once at start-up by the executable (the default
    /// writes to standard error). Lines are passed through `scrub` first.
    public static let logHandler = Mutex<@Sendable (String) -> Void>({ line in
        var line = line + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    })

    /// Removes secrets from text before it is logged or stored; installed by the host
    /// security module so that every plugin log line goes through the same scrubber.
    public static let scrub = Mutex<@Sendable (String) -> String>({ $0 })

    nonisolated(unsafe) static let table: UnsafePointer<studio_host_t> = {
        let table = UnsafeMutablePointer<studio_host_t>.allocate(capacity: 1)
        table.initialize(to: studio_host_t(
            abi_version: ABIVersion.host.packed,
            struct_size: UInt32(MemoryLayout<studio_host_t>.size),
            host_data: nil,
            name: UnsafePointer(strdup("studio")),
            version: UnsafePointer(strdup(StudioVersion.current)),
            log: { _, level, message in
                let name: String
                switch level {
                case Int32(STUDIO_LOG_DEBUG): name = "debug"
                case Int32(STUDIO_LOG_INFO): name = "info"
                case Int32(STUDIO_LOG_WARNING): name = "warning"
                default: name = "error"
                }
                let clean = HostServices.scrub.withLock { $0 }(message.string)
                HostServices.logHandler.withLock { $0 }("[plugin \(name)] \(clean)")
            },
            alloc: { _, size in malloc(size) },
            free: { _, pointer in Glibc.free(pointer) },
            get_extension: { _, _ in nil }))
        return UnsafePointer(table)
    }()
}

public enum StudioVersion {
    public static let current = "0.1.0"
}
