import Foundation
import HostAuth
import HostPlugins
import Hummingbird
import StudioJSON

/// `GET /api/plugins`: what is loaded and what was refused, for every signed-in user;
/// `POST /api/admin/plugins/rescan` loads the plugin folders again (after an install).
struct PluginsController {
    let services: StudioServices

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/plugins", "Loaded plugins (id, version, kinds, ABI, checksum, mode, sandbox, quarantine) and refusals") { _, context, _ in
            Self.listing(services.plugins, admin: context.identity.isAdmin)
        }
        routes.admin(.post, "/api/admin/plugins/rescan", "Load the plugin folders again (installed checksums enforced)") { _, context, _ in
            let registry = try await services.rescanPlugins()
            try await services.accounts.audit.record(userID: context.identity.userID, email: nil, action: "admin.plugins.rescan",
                                                     target: "\(registry.plugins.count) loaded, \(registry.failures.count) refused",
                                                     ip: context.clientIP)
            return Self.listing(registry, admin: true)
        }
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
            "refused": .array(plugins.failures.map { ["file": .string(file($0)), "code": .string($0.code), "reason": .string(reason($0))] }),
        ])
    }
}
