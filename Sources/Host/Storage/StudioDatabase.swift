@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// The studio's database: SQLite in the data folder by default (WAL, foreign keys on), or
/// PostgreSQL when `STUDIO_DATABASE_URL=postgres://…` is set (several host instances).
/// Queries are written once against SQLKit; the few places where the dialects differ
/// (DDL column types, upserts) ask `dialect`.
public final class StudioDatabase: Sendable {
    public enum Dialect: String, Sendable { case sqlite, postgres }

    private enum Pool: Sendable {
        case sqlite(EventLoopGroupConnectionPool<TunedSQLiteSource>)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    public let dialect: Dialect
    /// Where the data lives, for status pages (a file path, or the URL without credentials).
    public let location: String
    private let pool: Pool
    private let logger: Logger
    /// Kept for LISTEN, which needs a connection of its own.
    private let postgresConfiguration: SQLPostgresConfiguration?
    private let closed = Atomic<Bool>(false)

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens `postgres://user:pass@host:port/db` or a SQLite file path (created if missing).
    /// The data folder (when the studio creates it) is 0700 and the database file 0600:
    /// it holds password hashes, sealed keys and everyone's results. SQLite gives its
    /// -wal and -shm files the database file's mode; a file left 0644 by an older version
    /// is tightened too.
    static func prepareSQLiteFile(_ target: String) throws {
        let fm = FileManager.default
        let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
        if !fm.fileExists(atPath: directory) {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if !fm.fileExists(atPath: target) {
            guard fm.createFile(atPath: target, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw OpenError(description: "cannot create the database file \(target)")
            }
        }
        for file in [target, target + "-wal", target + "-shm"] where fm.fileExists(atPath: file) {
            try? fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        }
    }

    public static func open(_ target: String, logger: Logger = Logger(label: "studio.storage")) async throws -> StudioDatabase {
        if target.hasPrefix("postgres://") || target.hasPrefix("postgresql://") {
            let configuration: SQLPostgresConfiguration
            do { configuration = try SQLPostgresConfiguration(url: target) } catch {
                throw OpenError(description: "STUDIO_DATABASE_URL is not a valid PostgreSQL URL")
            }
            let pool = EventLoopGroupConnectionPool(source: PostgresConnectionSource(sqlConfiguration: configuration),
                                                    maxConnectionsPerEventLoop: 4, logger: logger,
                                                    on: MultiThreadedEventLoopGroup.singleton)
            let database = StudioDatabase(dialect: .postgres, location: Self.redacted(target), pool: .postgres(pool), logger: logger,
                                          postgresConfiguration: configuration)
            do {
                try await database.withSQL { try await $0.raw("SELECT 1").run() }
            } catch {
                try? await pool.shutdownAsync()
                throw OpenError(description: "cannot connect to PostgreSQL at \(database.location): \(String(reflecting: error).prefix(300))")
            }
            return database
        }
        try Self.prepareSQLiteFile(target)
        let source = TunedSQLiteSource(base: SQLiteConnectionSource(configuration: .init(storage: .file(path: target), enableForeignKeys: true)))
        // SQLite takes one writer at a time: one connection, and WAL so readers never wait.
        let pool = EventLoopGroupConnectionPool(source: source, maxConnectionsPerEventLoop: 1, logger: logger,
                                                on: MultiThreadedEventLoopGroup.singleton)
        let database = StudioDatabase(dialect: .sqlite, location: target, pool: .sqlite(pool), logger: logger, postgresConfiguration: nil)
        try await database.withSQL { db in
            try await db.raw("PRAGMA journal_mode = WAL").run()  // kept in the file: once is enough
        }
        return database
    }

    private init(dialect: Dialect, location: String, pool: Pool, logger: Logger, postgresConfiguration: SQLPostgresConfiguration?) {
        self.dialect = dialect
        self.location = location
        self.pool = pool
        self.logger = logger
        self.postgresConfiguration = postgresConfiguration
    }

    /// PostgreSQL: sends `payload` to every listener of `channel` (after the current
    /// transaction, as PostgreSQL does). SQLite: nothing (one process, nothing to tell).
    public func notify(channel: String, payload: String) async throws {
        guard dialect == .postgres else { return }
        try await withSQL { db in try await db.raw("SELECT pg_notify(\(bind: channel), \(bind: payload))").run() }
    }

    /// PostgreSQL: calls `handle` with every notification on `channel` until the calling
    /// task is cancelled, on a connection of its own, reconnecting after failures.
    /// SQLite: returns at once.
    public func listen(channel: String, _ handle: @escaping @Sendable (String) -> Void) async {
        guard let configuration = postgresConfiguration else { return }
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration.coreConfiguration, id: 0, logger: logger)
                try await withTaskCancellationHandler {
                    try await connection.listen(on: channel) { notifications in
                        for try await notification in notifications { handle(notification.payload) }
                    }
                } onCancel: {
                    connection.close().whenComplete { _ in }
                }
                try? await connection.close()
            } catch {
                if Task.isCancelled { return }
                logger.warning("LISTEN \(channel) failed, retrying: \(String(describing: error).prefix(200))")
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        }
    }

    /// Runs `body` with one connection.
    public func withSQL<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch pool {
        case .sqlite(let pool):
            return try await pool.withConnection(logger: logger) { connection in
                connection.eventLoop.makeFutureWithTask { try await body(connection.sql()) }
            }.get()
        case .postgres(let pool):
            return try await pool.withConnection(logger: logger) { connection in
                connection.eventLoop.makeFutureWithTask { try await body(connection.sql()) }
            }.get()
        }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns,
    /// rolled back when it throws, so a failed operation leaves nothing half-written.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let begin = dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await withSQL { db in
            try await db.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(db)
                try await db.raw("COMMIT").run()
                return result
            } catch {
                try? await db.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        switch pool {
        case .sqlite(let pool): try? await pool.shutdownAsync()
        case .postgres(let pool): try? await pool.shutdownAsync()
        }
    }

    /// A database dropped without close() still shuts its pool down (AsyncKit traps on a
    /// pool released while open); the shutdown finishes in the background.
    deinit {
        guard !closed.load(ordering: .acquiring) else { return }
        switch pool {
        case .sqlite(let pool): pool.shutdownGracefully { _ in }
        case .postgres(let pool): pool.shutdownGracefully { _ in }
        }
    }

    /// A URL with its password removed.
    static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://") else { return url }
        let credentials = url[scheme.upperBound..<at]
        let user = credentials.split(separator: ":").first.map(String.init) ?? ""
        return String(url[..<scheme.upperBound]) + user + (credentials.contains(":") ? ":***" : "") + String(url[at...])
    }
}

/// SQLite connections with the studio's per-connection settings (every connection of the
/// pool needs them, not only the first one used).
struct TunedSQLiteSource: ConnectionPoolSource {
    let base: SQLiteConnectionSource

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        base.makeConnection(logger: logger, on: eventLoop).flatMap { connection in
            // Wait up to 5 s for another writer instead of failing with SQLITE_BUSY.
            connection.query("PRAGMA busy_timeout = 5000").flatMap { _ in
                // In WAL mode NORMAL cannot corrupt the database and survives a process
                // crash (SIGKILL: committed pages are in the OS cache); only a power cut can
                // lose the last commits. It spares an fsync per commit (each job event, run).
                connection.query("PRAGMA synchronous = NORMAL")
            }.map { _ in connection }
        }
    }
}
