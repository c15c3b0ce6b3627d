import Foundation
import HostAuth
import HostJobs
import HostPlugins
import HostStorage
import StudioJSON

/// What this instance is and runs, as `GET /api/admin/system` shows it and `/metrics`
/// counts it: the database, the plugins, the job runner, the simulator. Read-only views of
/// services that others own; built once by the application builder.
struct SystemStatus: Sendable {
    let database: StudioDatabase
    let users: UserStore
    let catalog: PluginCatalog
    let runner: JobRunner
    let simulatorURL: String?
    let allowLocalEndpoints: Bool
    let judgePromptVersions: [String]
    let startedAt = Date()

    var uptimeSeconds: Double { Date().timeIntervalSince(startedAt) }

    func json() async throws -> JSONValue {
        let plugins = catalog.current
        return [
            "version": .string(StudioVersion.current),
            "uptime_s": .double((uptimeSeconds * 1000).rounded() / 1000),
            "database": ["dialect": .string(database.dialect.rawValue), "location": .string(database.location),
                         "schema_version": .int(Int64(try await Migrations.currentVersion(of: database)))],
            "users": .int(Int64(try await users.count())),
            "plugins": ["loaded": .int(Int64(plugins.plugins.count)),
                        "load_errors": .array(plugins.failures.map { .string($0.description) })],
            "simulator": simulatorURL.map(JSONValue.string) ?? .null,
            "judge_prompt_versions": .array(judgePromptVersions.map(JSONValue.string)),
            "instance": .string(runner.instance),
            "jobs_running_here": .int(Int64(runner.runningJobIDs.count)),
            "allow_local_endpoints": .bool(allowLocalEndpoints),
        ]
    }
}
