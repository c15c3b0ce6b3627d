import Foundation
import HostAuth
import HostHTTP
import HostStorage
import HostPlugins
import Hummingbird
import HummingbirdTesting
import StudioJSON
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

    /// `GET /metrics`: Prometheus text with job counts (from the database), plugins, followers.
    @Test func metricsAreExposedForPrometheus() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let body: JSONValue = ["targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]], "queue": true]
            _ = try await client.call(.post, "/api/benchmarks", token: ada, json: body)  // no runner: stays queued
            // Metrics need an admin (ada registered first) or the metrics token (SecurityTests).
            let response = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(ada)"])
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            #expect(text.contains("studio_up 1\n"))
            #expect(text.contains("studio_jobs{state=\"queued\"} 1\n") && text.contains("studio_jobs{state=\"done\"} 0\n"))
            #expect(text.contains("# TYPE studio_plugins_loaded gauge") && !text.contains("ada@example.com"))
            #expect(text.contains("studio_plugins_loaded \(studio.services.plugins.plugins.count)\n"))
        }
        await studio.close()
    }
}
