import FoundationEssentials


/// The bundle's manifest: `plugins.sha256` beside the executable, one `<sha256>  <file>`
/// line per bundled library (sha256sum's format), written by `make build` and the release
/// bundle. Without it (a bare `swift build`), bundled libraries are taken as they are and
/// listed as unverified.
public struct BundleManifest: Sendable {
    public static let fileName = "plugins.sha256"
    public let checksums: [String: String]

    public static func read(folder: String) -> BundleManifest? {
        guard let text = try? String(contentsOfFile: folder + "/" + fileName, encoding: .utf8) else { return nil }
        var checksums: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            checksums[String(parts[1].trimmingPrefix("*"))] = String(parts[0]).lowercased()
        }
        return BundleManifest(checksums: checksums)
    }
}
