import Crypto
import Foundation

/// The dashboard's static files as the host serves them (docs/architecture.md, "Delivery").
///
/// Loaded once per folder: every file is read into memory, hashed (SHA-256) and compressed
/// with gzip and Brotli, so a request only picks the smallest encoding the browser accepts.
/// The whole set has one version, a hash over every file's hash. `index.html` names its
/// stylesheet and scripts under `/v/<version>/…`; the JavaScript modules import each other
/// by relative paths, so the whole module graph resolves under that prefix too. Files under
/// the current version never change, so they are cached for a year (`immutable`); the page
/// itself is revalidated every time (ETag), so a new build is picked up on the next load.
public struct DashboardAssets: Sendable {
    public struct Asset: Sendable {
        public let contentType: String
        public let identity: [UInt8]
        public let gzip: [UInt8]?
        public let brotli: [UInt8]?
        /// A strong validator: the SHA-256 of the identity bytes, quoted.
        public let etag: String
    }

    public enum Encoding: String, Sendable { case identity, gzip, br }

    /// Where a request path landed.
    public enum Lookup: Sendable {
        /// A file of the current version: cache it for good.
        case immutable(Asset)
        /// The page, an unversioned path or an older version's: revalidate each time.
        case revalidate(Asset)
        case notFound
    }

    public static let versionPrefix = "/v/"

    public let version: String
    public let files: [String: Asset]  // keyed by path from the folder's root, with a leading "/"

    /// Reads every regular file under `folder` (hidden files skipped). Files of a few bytes
    /// or of types that are already compressed are kept as they are.
    public init(folder: String) throws {
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        var raw: [String: [UInt8]] = [:]
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: folder])
        }
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count))
            raw[relative.hasPrefix("/") ? relative : "/" + relative] = Array(try Data(contentsOf: url))
        }
        var hashes: [String: String] = [:]
        for (path, bytes) in raw { hashes[path] = Self.hex(SHA256.hash(data: bytes)) }
        var whole = SHA256()
        for path in hashes.keys.sorted() { whole.update(data: Array((path + "\0" + hashes[path]! + "\n").utf8)) }
        version = String(Self.hex(whole.finalize()).prefix(16))

        var files: [String: Asset] = [:]
        for (path, bytes) in raw {
            var bytes = bytes
            if path == "/index.html" { bytes = Self.versioned(page: bytes, paths: Set(raw.keys), version: version) }
            files[path] = Self.asset(path: path, bytes: bytes)
        }
        self.files = files
    }

    /// The file for a request path. "/" is the page.
    public func lookup(_ path: String) -> Lookup {
        if path == "/" || path == "/index.html" { return files["/index.html"].map(Lookup.revalidate) ?? .notFound }
        if path.hasPrefix(Self.versionPrefix) {
            let rest = path.dropFirst(Self.versionPrefix.count)
            guard let slash = rest.firstIndex(of: "/") else { return .notFound }
            let asked = rest[..<slash], file = String(rest[slash...])
            guard file != "/index.html", let asset = files[file] else { return .notFound }
            // A page loaded before an upgrade still gets today's file, just not for keeps.
            return asked == version ? .immutable(asset) : .revalidate(asset)
        }
        return files[path].map(Lookup.revalidate) ?? .notFound
    }

    /// The encoding to send for an `Accept-Encoding` value: Brotli, else gzip, when the
    /// browser accepts it (q > 0) and it is smaller than the file itself.
    public static func encoding(for asset: Asset, acceptEncoding: String?) -> Encoding {
        var accepted: [String: Double] = [:]
        for part in (acceptEncoding ?? "").split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let name = pieces.first, !name.isEmpty else { continue }
            var q = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") { q = Double(parameter.dropFirst(2)) ?? 0 }
            accepted[name] = q
        }
        func takes(_ name: String) -> Bool { (accepted[name] ?? accepted["*"] ?? 0) > 0 }
        if asset.brotli != nil, takes("br") { return .br }
        if asset.gzip != nil, takes("gzip") { return .gzip }
        return .identity
    }

    // MARK: building

    static func asset(path: String, bytes: [UInt8]) -> Asset {
        let type = contentType(path)
        let worth = bytes.count >= 256 && !type.hasPrefix("image/png") && !type.hasPrefix("font/woff")
        let gzip = worth ? Compression.gzip(bytes).flatMap { $0.count < bytes.count ? $0 : nil } : nil
        let brotli = worth ? Compression.brotli(bytes).flatMap { $0.count < bytes.count ? $0 : nil } : nil
        return Asset(contentType: type, identity: bytes, gzip: gzip, brotli: brotli,
                     etag: "\"" + String(hex(SHA256.hash(data: bytes)).prefix(32)) + "\"")
    }

    /// `href="/app.css"` → `href="/v/<version>/app.css"` for each file the folder holds.
    static func versioned(page: [UInt8], paths: Set<String>, version: String) -> [UInt8] {
        var html = String(decoding: page, as: UTF8.self)
        for path in paths.sorted() where path != "/index.html" {
            for attribute in ["href", "src"] {
                html = html.replacingOccurrences(of: "\(attribute)=\"\(path)\"", with: "\(attribute)=\"\(versionPrefix)\(version)\(path)\"")
            }
        }
        return Array(html.utf8)
    }

    static func contentType(_ path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) ?? "" {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        case "txt", "md": return "text/plain; charset=utf-8"
        case "woff2": return "font/woff2"
        default: return "application/octet-stream"
        }
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
