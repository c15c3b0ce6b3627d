import CoreMetrics
import Prometheus

/// The process's metrics (docs/deploy.md, "Metrics"). Every module records through
/// swift-metrics' API (`Counter`, `Timer`, `Gauge`: plugins, jobs, load levels, and
/// Hummingbird's `MetricsMiddleware` for the routes); this is the one place that says
/// where they go: a Prometheus registry, which `GET /metrics` writes out.
///
/// swift-metrics has one backend per process, bootstrapped once; the first use of
/// `registry` does it (the application builder touches it before any route runs).
/// Metrics made before that, or in a process that never serves (`studio bench`), go
/// nowhere, as swift-metrics intends.
public enum StudioMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Route, plugin-call and job durations: 1 ms to 10 min.
        factory.defaultDurationHistogramBuckets = [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250),
                                                   .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600)]
        MetricsSystem.bootstrap(factory)
        return registry
    }()
}
