import CoreMetrics
import HostMeasurement

/// What each plugin call cost and how it ended, per plugin and member, for operators
/// (docs/deploy.md, "Metrics"): `studio_plugin_calls_total{plugin,member,outcome}`
/// (outcome `ok` or the failure's name: plugin_crashed, plugin_timeout, …) and
/// `studio_plugin_call_duration_seconds{plugin,member}`. Recorded for the calls made once
/// per request or case (building a request, scoring, parsing a whole body), not for each
/// streamed chunk, whose cost the measurement core keeps to itself.
enum PluginCallMetrics {
    static func measure<T>(plugin: String, member: String, _ call: () throws(PluginCallError) -> T) throws(PluginCallError) -> T {
        let start = MonotonicClock.now()
        do {
            let value = try call()
            record(plugin: plugin, member: member, outcome: "ok", since: start)
            return value
        } catch {
            record(plugin: plugin, member: member, outcome: error.statusName, since: start)
            throw error
        }
    }

    static func record(plugin: String, member: String, outcome: String, since start: UInt64) {
        Counter(label: "studio_plugin_calls_total", dimensions: [("plugin", plugin), ("member", member), ("outcome", outcome)]).increment()
        let elapsed = MonotonicClock.now() &- start
        Timer(label: "studio_plugin_call_duration_seconds", dimensions: [("plugin", plugin), ("member", member)])
            .recordNanoseconds(Int64(clamping: elapsed))
    }
}
