import HostSecurity
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
                // Plugins never see API keys, but may echo provider error bodies: every line
                // goes through the one scrubber before it is written anywhere.
                let clean = SecretScrubber.standard.scrub(message.string)
                HostServices.logHandler.withLock { $0 }("[plugin \(name)] \(clean)")
            },
            alloc: { _, size in malloc(size) },
            free: { _, pointer in Glibc.free(pointer) },
            get_extension: { _, _ in nil }))
        return UnsafePointer(table)
    }()
}
