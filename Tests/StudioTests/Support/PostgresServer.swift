import Foundation
import HostStorage
import SQLKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server for storage tests. `scripts/test` starts one and exports
/// STUDIO_TEST_POSTGRES_URL (an admin URL); without it, the first test that needs one
/// starts a throwaway cluster here (initdb as the postgres user, on a free loopback port)
/// and stops it when the test process exits. Each test gets a database of its own.
enum PostgresServer {
    struct Unavailable: Error, CustomStringConvertible { let description: String }

    static let adminURL: Result<String, Unavailable> = {
        if let url = ProcessInfo.processInfo.environment["STUDIO_TEST_POSTGRES_URL"], !url.isEmpty { return .success(url) }
        return startCluster()
    }()

    /// A fresh, empty database; its URL.
    static func makeDatabase() async throws -> String {
        let admin = try adminURL.get()
        let name = "studio_test_" + RecordID.make().prefix(12)
        let database = try await StudioDatabase.open(admin)
        try await database.withSQL { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        await database.close()
        guard let slash = admin.range(of: "/", options: .backwards), admin[..<slash.lowerBound].contains("@") else {
            throw Unavailable(description: "admin URL must end in /DBNAME")
        }
        return admin[..<slash.lowerBound] + "/" + name
    }

    private static func startCluster() -> Result<String, Unavailable> {
        let candidates = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().reversed()
            .map { "/usr/lib/postgresql/\($0)/bin" } ?? []
        guard let bin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }) else {
            return .failure(Unavailable(description: "PostgreSQL is not installed (scripts/setup installs it)"))
        }
        let dir = "/tmp/studio-pg-\(getpid())"
        let port = freePort()
        let script = """
            set -e
            rm -rf \(dir) && mkdir -p \(dir) && chown postgres \(dir)
            runuser -u postgres -- \(bin)/initdb -D \(dir)/data -A trust -U postgres >/dev/null
            runuser -u postgres -- \(bin)/pg_ctl -D \(dir)/data -l \(dir)/log -o "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
            """
        // system(), not Process: this runs in a static initializer reached from async tests,
        // where Foundation's waitUntilExit can wait forever for a run loop.
        guard system(script) == 0 else {
            return .failure(Unavailable(description: "PostgreSQL did not start (see \(dir)/log)"))
        }
        stopCommand = "runuser -u postgres -- \(bin)/pg_ctl -D \(dir)/data -m immediate stop >/dev/null 2>&1; rm -rf \(dir)"
        atexit { if let command = PostgresServer.stopCommand { _ = system(command) } }
        return .success("postgres://postgres@127.0.0.1:\(port)/postgres")
    }

    nonisolated(unsafe) static var stopCommand: String?

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The two databases every storage test runs against.
enum TestDatabase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A fresh database of this kind, migrated.
    func open() async throws -> StudioDatabase {
        let database: StudioDatabase
        switch self {
        case .sqlite:
            database = try await StudioDatabase.open(TestSupport.temporaryDirectory("sqlite").appendingPathComponent("studio.db").path)
        case .postgres:
            database = try await StudioDatabase.open(try await PostgresServer.makeDatabase())
        }
        try await Migrations.run(on: database)
        return database
    }
}
