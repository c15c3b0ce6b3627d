import Foundation
import HostAuth
import HostPlugins
import HostStorage
import Hummingbird
import StudioJSON

/// `GET /api/plugins`: what is loaded and what was refused, for every signed-in user;
/// `POST /api/admin/plugins/rescan` loads the plugin folders again (after an install).
struct PluginsController {
    let catalog: PluginCatalog
    let policies: PluginPolicyStore
    let audit: AuditLog
    /// Loads the plugin folders again under the stored policies (the builder's).
    let rescan: @Sendable () async throws -> PluginRegistry

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/plugins", "Loaded plugins (id, version, kinds, ABI, checksum, mode, sandbox, quarantine) and refusals") { _, context, _ in
            Self.listing(catalog.current, admin: context.identity.isAdmin)
        }
        routes.admin(.get, "/api/admin/plugins/policies", "Admins' decisions about plugins: mode, disabled, deadline, quarantine") { _, _, _ in
            Response.json(["policies": .array(try await policies.all().map(Self.policyJSON))])
        }
        routes.admin(.put, "/api/admin/plugins/{id}", "Run a plugin isolated or in-process, disable it, set its deadline, or release its quarantine",
                     body: RequestBody(schema: Self.policySchema, example: ["mode": "isolated", "disabled": false, "deadline_ms": 10_000])) { _, context, body in
            let id = try context.parameters.require("id")
            let record = try await savePolicy(id: id, body: body, userID: context.identity.userID)
            try await audit.record(userID: context.identity.userID, email: nil, action: "admin.plugins.policy",
                                                     target: id, detail: body.jsonString, ip: context.clientIP)
            return Response.json(Self.policyJSON(record))
        }
        routes.admin(.post, "/api/admin/plugins/rescan", "Load the plugin folders again (installed checksums enforced)") { _, context, _ in
            let registry = try await rescan()
            try await audit.record(userID: context.identity.userID, email: nil, action: "admin.plugins.rescan",
                                                     target: "\(registry.plugins.count) loaded, \(registry.failures.count) refused",
                                                     ip: context.clientIP)
            return Self.listing(registry, admin: true)
        }
    }

    /// What an admin may decide about a plugin (docs/plugins.md, "Isolation and trust").
    static let policySchema = Schema.object([
        ("mode", Schema.oneOf(["isolated", "in-process", "default"])),
        ("disabled", Schema.boolean),
        ("deadline_ms", Schema.integer(50...600_000, nullable: true)),
        ("release_quarantine", Schema.boolean),
    ])

    /// Saves an admin's decision about plugin `id`, then loads the plugins again so it
    /// takes effect at once. Known ids only: those loaded, refused, or decided before.
    func savePolicy(id: String, body: JSONValue, userID: String) async throws -> PluginPolicyRecord {
        let store = policies
        let plugins = catalog.current
        let stored = try await store.find(id)
        let known = stored != nil || plugins.plugin(id: id) != nil
            || plugins.failures.contains { $0.description.contains("\"\(id)\"") }
        guard known else { throw APIError(.notFound, "not_found", "no plugin \"\(id)\" is loaded or known") }
        var record = stored ?? PluginPolicyRecord(pluginID: id)
        if let mode = body["mode"]?.stringValue { record.mode = mode == "default" ? nil : mode }
        if let disabled = body["disabled"]?.boolValue { record.disabled = disabled }
        if let deadline = body["deadline_ms"] { record.deadlineMs = deadline.intValue.map(Int.init) }
        if body["release_quarantine"]?.boolValue == true {
            record.quarantineReason = nil
            plugins.plugin(id: id)?.isolation?.release()
        }
        try await store.save(record, by: userID)
        _ = try await rescan()
        return record
    }

    static func policyJSON(_ record: PluginPolicyRecord) -> JSONValue {
        ["plugin_id": .string(record.pluginID), "mode": record.mode.map(JSONValue.string) ?? "default", "disabled": .bool(record.disabled),
         "deadline_ms": record.deadlineMs.map { .int(Int64($0)) } ?? .null,
         "quarantined": record.quarantineReason.map(JSONValue.string) ?? .null]
    }

    /// Server paths (in a path and in a refusal's message) only to admins.
    static func listing(_ plugins: PluginRegistry, admin: Bool) -> Response {
        func reason(_ failure: PluginLoadError) -> String {
            admin ? failure.description : failure.description.replacingOccurrences(of: failure.path, with: file(failure))
        }
        func file(_ failure: PluginLoadError) -> String { String(failure.path.split(separator: "/").last ?? "") }
        return Response.json([
            "plugins": .array(plugins.plugins.map { $0.listing(showPath: admin) }),
            "load_errors": .array(plugins.failures.map { .string(reason($0)) }),
            "refused": .array(plugins.failures.map { failure in
                var entry: JSONObject = ["file": .string(file(failure)), "code": .string(failure.code), "reason": .string(reason(failure))]
                if case .disabled(let id) = failure.reason { entry["plugin_id"] = .string(id) }
                return .object(entry)
            }),
        ])
    }
}
