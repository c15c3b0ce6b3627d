import Foundation
import HostAuth
import HostHTTP
import HostStorage
import HostPlugins
import HostSimulator
import Hummingbird
import HummingbirdTesting
import StudioJSON
import Synchronization
import Testing

@Suite struct HealthTests {
    @Test func healthzAnswersWithSecurityHeaders() async throws {
        let studio = try await TestStudio.make(.sqlite)
        defer { Task { await studio.close() } }
        try await studio.app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONParser.parse(String(buffer: response.body))
                #expect(body["status"]?.stringValue == "ok")
                // Anonymous health says only that the studio lives (details: /api/admin/system).
                #expect(body["version"] != nil && body["plugins"] == nil && body["simulator"] == nil)
                let csp = response.headers[.contentSecurityPolicy] ?? ""
                #expect(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
            }
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}

import HostSecurity

@Suite struct SecretScrubberTests {
    @Test func secretsAreRemovedFromText() {
        let scrubber = SecretScrubber(knownSecrets: ["my-very-own-key-123"])
        let text = """
            Authorization: Bearer abcdef123456789 failed; key sk-proj-ABCDEFGHIJKLMNOP and AIzaSyA1234567890abcdefghijkl;
            {"api_key": "hunter2hunter2"} url?key=s3cr3tvalue&x=1 also my-very-own-key-123 and x-api-key: zzzzzzzz
            """
        let clean = scrubber.scrub(text)
        for secret in ["abcdef123456789", "sk-proj-ABCDEFGHIJKLMNOP", "AIzaSyA1234567890abcdefghijkl", "hunter2hunter2",
                       "s3cr3tvalue", "my-very-own-key-123", "zzzzzzzz"] {
            #expect(!clean.contains(secret), "\(secret) leaked: \(clean)")
        }
        #expect(clean.contains("[REDACTED]"))
        #expect(clean.contains("failed"), "the rest of the message survives")
    }

    /// `GET /metrics`: Prometheus text with job counts (from the database), plugins,
    /// followers, and what the modules record through swift-metrics as they work: routes,
    /// plugin calls, jobs, benchmark runs.
    @Test func metricsAreExposedForPrometheus() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let studio = try await TestStudio.make(.sqlite, options: .init(simulatorURL: simulator.baseURL))
        let runner = Mutex<Task<Void, Never>?>(nil)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            func scrape() async throws -> PrometheusText {
                // Metrics need an admin (ada registered first) or the metrics token (SecurityTests).
                let response = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(ada)"])
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                return PrometheusText(String(buffer: response.body))
            }
            let body: JSONValue = ["targets": [["provider": "sim-openai", "model": "sim-ttft5-gap1-tok8"]], "runs": 2, "warmup": false, "queue": true]
            try await JobsHTTPTests.addSimulatorModel(client, ada, "sim-ttft5-gap1-tok8")
            let before = try await scrape()
            _ = try await client.call(.post, "/api/benchmarks", token: ada, json: body)  // no runner yet: stays queued
            var text = try await scrape()
            #expect(text.value("studio_up") == 1)
            #expect(text.value("studio_jobs", ["state": "queued"]) == 1 && text.value("studio_jobs", ["state": "done"]) == 0)
            #expect(text.raw.contains("# TYPE studio_plugins_loaded gauge") && !text.raw.contains("ada@example.com"))
            #expect(text.value("studio_plugins_loaded") == Double(studio.services.plugins.plugins.count))
            // Hummingbird's MetricsMiddleware: per route template (never an id), method and status.
            #expect(text.total("hb_requests", ["http_route": "/api/benchmarks", "http_request_method": "POST", "http_response_status_code": "202"])
                    > before.total("hb_requests", ["http_route": "/api/benchmarks", "http_request_method": "POST", "http_response_status_code": "202"]))
            let jobID = try #require(try await client.call(.get, "/api/jobs", token: ada).body["jobs"]?.arrayValue?.first?["id"]?.stringValue)
            #expect(!text.raw.contains(jobID), "no ids in labels")

            // Once it runs: the plugin's calls, the job's duration, the benchmark's runs.
            runner.withLock { $0 = studio.startRunner() }
            try await JobsHTTPTests.waitFor("the benchmark to end") {
                try await client.call(.get, "/api/jobs?state=done", token: ada).body["jobs"]?.arrayValue?.count == 1
            }
            text = try await scrape()
            let built = ["plugin": "openai", "member": "build_request", "outcome": "ok"]
            #expect(text.total("studio_plugin_calls_total", built) - before.total("studio_plugin_calls_total", built) >= 2)
            #expect(text.total("studio_plugin_call_duration_seconds_count", ["plugin": "openai", "member": "build_request"]) >= 2)
            #expect(text.total("studio_job_duration_seconds_count", ["kind": "benchmark", "state": "done"])
                    - before.total("studio_job_duration_seconds_count", ["kind": "benchmark", "state": "done"]) == 1)
            #expect(text.total("studio_benchmark_runs_total", ["outcome": "ok"]) - before.total("studio_benchmark_runs_total", ["outcome": "ok"]) == 2)
        }
        await studio.close(runner: runner.withLock { $0 })
        await simulator.stop()
    }
}

/// Prometheus' text format as a scraper reads it: samples by name and labels.
struct PrometheusText {
    let raw: String
    let samples: [(name: String, labels: [String: String], value: Double)]

    init(_ text: String) {
        raw = text
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return (String(series), [:], value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
            }
            return (String(series[..<brace]), labels, value)
        }
    }

    /// The one sample of `name` with exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum over the samples of `name` whose labels include these (0 when none).
    func total(_ name: String, _ labels: [String: String]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.map(\.value).reduce(0, +)
    }
}
