import Foundation

/// Where the dashboard's static files are: `STUDIO_WEBUI_DIR`, else a release bundle's
/// `share/webui` beside the executable, else this package's resources.
public enum WebUI {
    public static var directory: String? {
        let fm = FileManager.default
        if let configured = ProcessInfo.processInfo.environment["STUDIO_WEBUI_DIR"], fm.fileExists(atPath: configured + "/index.html") {
            return configured
        }
        if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let bundled = URL(fileURLWithPath: exe).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/webui").path
            if fm.fileExists(atPath: bundled + "/index.html") { return bundled }
            // SwiftPM puts the resources beside the executable; look before touching
            // Bundle.module, which stops the process when they are missing.
            let resources = URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("studio_WebUI.resources/static").path
            if fm.fileExists(atPath: resources + "/index.html") { return resources }
        }
        return nil
    }
}
