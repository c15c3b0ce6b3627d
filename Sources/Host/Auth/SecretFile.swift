import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Secrets the server generates for itself on first start (the JWT signing key), kept in
/// a file readable by its owner only (0600). An environment variable, when set, wins.
public enum SecretFile {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// 32 random bytes, from `environment[variable]` (at least 32 characters), else from
    /// `path`, created with mode 0600 when missing.
    public static func load(variable: String, path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [UInt8] {
        if let value = environment[variable] {
            guard value.utf8.count >= 32 else { throw Failure(description: "\(variable) must be at least 32 characters") }
            return Array(value.utf8)
        }
        return try fromFile(path)
    }

    /// A secret that may be absent: `environment[variable]`, else `path` when it exists
    /// (never created), else nil. The same rules as `load` (32 characters, mode 0600).
    public static func optional(variable: String, path: String,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [UInt8]? {
        if environment[variable] != nil || FileManager.default.fileExists(atPath: path) {
            return try load(variable: variable, path: path, environment: environment)
        }
        return nil
    }

    /// The secret in `path`, created (32 random bytes, base64url, mode 0600) when missing.
    public static func fromFile(_ path: String) throws -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path) {
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
                throw Failure(description: "\(path) must be readable by its owner only (chmod 600)")
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.utf8.count >= 32 else { throw Failure(description: "\(path) holds fewer than 32 characters") }
            return Array(text.utf8)
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let secret = TokenHashing.randomToken(bytes: 32)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path)") }
        defer { close(fd) }
        let written = secret.withCString { write(fd, $0, strlen($0)) }
        guard written == secret.utf8.count else { throw Failure(description: "cannot write \(path)") }
        return Array(secret.utf8)
    }
}
