import HostAuth
import HostPlugins
import Hummingbird
import StudioJSON

/// `GET /api/plugins`: what is loaded and what was refused, for every signed-in user;
/// `POST /api/admin/plugins/rescan` loads the plugin folders again (after an install).
struct PluginsController {
    let services: StudioServices

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/plugins", "Loaded plugins (id, version, kinds, ABI, checksum) and load errors") { _, _, _ in
            Self.listing(services.plugins)
        }
        routes.admin(.post, "/api/admin/plugins/rescan", "Load the plugin folders again (installed checksums enforced)") { _, context, _ in
            let registry = try await services.rescanPlugins()
            try await services.accounts.audit.record(userID: context.identity.userID, email: nil, action: "admin.plugins.rescan",
                                                     target: "\(registry.plugins.count) loaded, \(registry.failures.count) refused",
                                                     ip: context.clientIP)
            return Self.listing(registry)
        }
    }

    static func listing(_ plugins: PluginRegistry) -> Response {
            Response.json([
                "plugins": .array(plugins.plugins.map { p in
                    ["id": .string(p.id), "name": .string(p.manifest.name), "version": .string(p.manifest.version),
                     "kinds": .array(p.kinds.map(JSONValue.string)), "abi": .string("\(p.abiVersion)"),
                     "language": p.manifest.language.map(JSONValue.string) ?? .null,
                     "sha256": .string(p.sha256), "path": .string(p.path)]
                }),
                "load_errors": .array(plugins.failures.map { .string($0.description) }),
            ])
    }
}
