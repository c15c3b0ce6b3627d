import HostPlugins
import Hummingbird
import StudioJSON

/// `GET /healthz`: liveness and version for anyone (a load balancer's probe); what an
/// operator wants at a glance (plugins, simulator, judge prompts) is at
/// `GET /api/admin/system`, behind an admin sign-in.
struct HealthController {
    func addRoutes(to routes: RouteTable) {
        routes.public(.get, "/healthz", "Liveness and version (details: GET /api/admin/system)") { _, _, _ in
            Response.json(["status": "ok", "version": .string(StudioVersion.current)])
        }
    }
}
