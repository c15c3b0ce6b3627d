import HostJobs
import HostPlugins
import HostStorage
import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics`: the Prometheus text exposition of `StudioMetrics.registry`: what the
/// modules record as they go (routes, plugin calls, jobs, load and benchmark requests;
/// names in docs/deploy.md), and the state read at each scrape here: jobs by state (all
/// instances, from the database), jobs running on this instance, SSE followers, plugins
/// loaded and refused, uptime. No user data, but not for anyone either: an admin's token,
/// or the operator's STUDIO_METRICS_TOKEN for a scraper (docs/deploy.md, "Security").
struct MetricsController {
    let jobs: JobStore
    let hub: JobEventHub
    let status: SystemStatus
    let registry = StudioMetrics.registry

    static let jobStates = ["queued", "running", "done", "failed", "cancelled", "interrupted"]

    func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    func addRoutes(to routes: RouteTable) {
        let up = gauge("studio_up", "1 while the studio serves.")
        let uptime = gauge("studio_uptime_seconds", "Seconds since this instance started.")
        let jobGauges = Self.jobStates.map { ($0, gauge("studio_jobs", "Jobs by state, all instances.", labels: [("state", $0)])) }
        let runningHere = gauge("studio_jobs_running_here", "Jobs this instance runs now.")
        let followers = gauge("studio_sse_followers", "Server-Sent Events clients following a job on this instance.")
        let loaded = gauge("studio_plugins_loaded", "Plugins loaded.")
        let refused = gauge("studio_plugin_load_errors", "Plugin libraries refused.")
        routes.public(.get, "/metrics", "Prometheus metrics (text format 0.0.4); an admin's token or STUDIO_METRICS_TOKEN") { _, context, _ in
            guard context.metricsReader || context.identity?.isAdmin == true else {
                throw context.identity == nil
                    ? APIError(.unauthorized, "authentication_required", "metrics need an admin's token or the metrics token (STUDIO_METRICS_TOKEN)")
                    : APIError(.forbidden, "admin_only", "metrics need an admin account or the metrics token")
            }
            let states = try await jobs.countsByState()
            let plugins = status.catalog.current
            up.set(to: 1)
            uptime.set(to: status.uptimeSeconds.rounded())
            for (state, gauge) in jobGauges { gauge.set(to: Double(states[state] ?? 0)) }
            runningHere.set(to: Double(status.runner.runningJobIDs.count))
            followers.set(to: Double(hub.followerCount))
            loaded.set(to: Double(plugins.plugins.count))
            refused.set(to: Double(plugins.failures.count))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
