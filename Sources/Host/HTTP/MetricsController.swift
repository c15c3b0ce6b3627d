import Foundation
import HostJobs
import HostPlugins
import HostStorage
import Hummingbird
import NIOCore
import StudioJSON

/// `GET /metrics`: Prometheus text exposition of what an operator watches — jobs by state
/// (all instances, from the database), jobs running on this instance, SSE followers here,
/// plugins loaded and refused, uptime. No user data, but not for anyone either: an admin's
/// token, or the operator's STUDIO_METRICS_TOKEN for a scraper (docs/deploy.md, "Security").
struct MetricsController {
    let jobs: JobStore
    let hub: JobEventHub
    let status: SystemStatus

    func addRoutes(to routes: RouteTable) {
        routes.public(.get, "/metrics", "Prometheus metrics (text format 0.0.4); an admin's token or STUDIO_METRICS_TOKEN") { _, context, _ in
            guard context.metricsReader || context.identity?.isAdmin == true else {
                throw context.identity == nil
                    ? APIError(.unauthorized, "authentication_required", "metrics need an admin's token or the metrics token (STUDIO_METRICS_TOKEN)")
                    : APIError(.forbidden, "admin_only", "metrics need an admin account or the metrics token")
            }
            let states = try await jobs.countsByState()
            let plugins = status.catalog.current
            var lines: [String] = []
            func metric(_ name: String, _ help: String, _ type: String, _ samples: [(String, Double)]) {
                lines.append("# HELP \(name) \(help)")
                lines.append("# TYPE \(name) \(type)")
                for (labels, value) in samples { lines.append("\(name)\(labels) \(value == value.rounded() ? String(Int64(value)) : String(value))") }
            }
            metric("studio_up", "1 while the studio serves.", "gauge", [("", 1)])
            metric("studio_uptime_seconds", "Seconds since this instance started.", "gauge", [("", status.uptimeSeconds.rounded())])
            let known = ["queued", "running", "done", "failed", "cancelled", "interrupted"]
            metric("studio_jobs", "Jobs by state, all instances.", "gauge",
                   known.map { state in ("{state=\"\(state)\"}", Double(states[state] ?? 0)) })
            metric("studio_jobs_running_here", "Jobs this instance runs now.", "gauge", [("", Double(status.runner.runningJobIDs.count))])
            metric("studio_sse_followers", "Server-Sent Events clients following a job on this instance.", "gauge",
                   [("", Double(hub.followerCount))])
            metric("studio_plugins_loaded", "Plugins loaded.", "gauge", [("", Double(plugins.plugins.count))])
            metric("studio_plugin_load_errors", "Plugin libraries refused.", "gauge", [("", Double(plugins.failures.count))])
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
        }
    }
}
