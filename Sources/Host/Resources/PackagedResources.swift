import Foundation

/// Where a folder of files shipped with the studio is (the dashboard's static files, the
/// judge's prompts): an environment variable naming it, else a release bundle's
/// `share/<name>` beside the executable, else the SwiftPM resource bundle beside the
/// executable (a build folder, tests included). `marker` is a file the folder must hold.
public enum PackagedResources {
    public static func directory(environment variable: String, bundled: String, module: String, resource: String,
                                 marker: String) -> String? {
        let fm = FileManager.default
        if let configured = ProcessInfo.processInfo.environment[variable], fm.fileExists(atPath: configured + "/" + marker) {
            return configured
        }
        guard let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        let folder = URL(fileURLWithPath: exe).deletingLastPathComponent()
        let inBundle = folder.deletingLastPathComponent().appendingPathComponent("share/" + bundled).path
        if fm.fileExists(atPath: inBundle + "/" + marker) { return inBundle }
        // Looked up by path rather than through Bundle.module, which stops the process
        // when the resources are missing.
        let resources = folder.appendingPathComponent("studio_\(module).resources/\(resource)").path
        if fm.fileExists(atPath: resources + "/" + marker) { return resources }
        return nil
    }
}
