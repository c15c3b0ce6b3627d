import ArgumentParser
import Foundation
import HostAuth
import HostStorage

#if canImport(Glibc)
import Glibc
#endif

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage the key vault.", subcommands: [Rotate.self])

    /// Where the master key file lives by default: outside the data (database) folder.
    static func defaultMasterKeyFile() -> String {
        ProcessInfo.processInfo.environment["STUDIO_MASTER_KEY_FILE"]
            ?? (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/.studio/master.key"
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every stored API key under a new master key.",
            discussion: """
                With a master key file, the new key replaces it (the old one is kept beside it as \
                .previous) once every key has been re-encrypted. With STUDIO_MASTER_KEY, the new key \
                is printed once: set it before the next start.
                """)

        @Option(name: .customLong("data"), help: "The data folder.") var dataDirectory = "data"
        @Option(name: .customLong("master-key-file"), help: "The master key file.") var masterKeyFile: String = Keys.defaultMasterKeyFile()

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let database = try await openStudioDatabase(dataDirectory: dataDirectory)
            do {
                let old = try KeyVault.loadMasterKey(path: masterKeyFile)
                var generator = SystemRandomNumberGenerator()
                let new = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let count = try await KeyVault(database: database, masterKey: old).rotate(to: new)
                if environment["STUDIO_MASTER_KEY"] != nil {
                    printFlushed("re-encrypted \(count) keys. Set this before the next start (shown once):")
                    printFlushed("STUDIO_MASTER_KEY=\(Data(new).base64EncodedString())")
                } else {
                    try Self.replaceKeyFile(masterKeyFile, old: old, new: new)
                    printFlushed("re-encrypted \(count) keys; new master key in \(masterKeyFile)")
                }
                await database.close()
            } catch {
                await database.close()
                printError("rotation failed, nothing changed: \(error)")
                throw ExitCode.failure
            }
        }

        /// Writes the new key (0600) beside the old, then swaps them in with renames.
        static func replaceKeyFile(_ path: String, old: [UInt8], new: [UInt8]) throws {
            func write(_ bytes: [UInt8], to file: String) throws {
                unlink(file)
                let fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o600)
                guard fd >= 0 else { throw ValidationError("cannot create \(file)") }
                defer { close(fd) }
                let text = Base64URL.encode(bytes)
                guard text.withCString({ Glibc.write(fd, $0, strlen($0)) }) == text.utf8.count else { throw ValidationError("cannot write \(file)") }
            }
            try write(old, to: path + ".previous")
            try write(new, to: path + ".new")
            guard rename(path + ".new", path) == 0 else { throw ValidationError("cannot replace \(path)") }
        }
    }
}
