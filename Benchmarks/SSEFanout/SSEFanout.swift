// SSE fan-out benchmark (issue: benchmark jobs over HTTP). A studio server (SQLite in a
// temporary folder, the embedded simulator, the job runner) runs in this process on a
// loopback port; a benchmark job of 60 runs is followed over SSE by 1 client, then by 100.
// For every event it measures the time from the host having it (the job's recorder gets
// the finished run, before the database write) to its bytes coming off a client's socket
// (the transport's read stamp), and it reads the process's memory with the followers
// connected. Prints p50/p99/max and the ratios; not a test (`make bench-sse`).

import Foundation
import HostAuth
import HostConfig
import HostHTTP
import HostJobs
import HostMeasurement
import HostPlugins
import HostSimulator
import HostStorage
import HostTransport
import Hummingbird
import NIOCore
import StudioJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

@main
enum SSEFanout {
    static func main() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sse-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try await StudioDatabase.open(folder + "/studio.db")
        try await Migrations.run(on: database)
        let simulator = try await EmbeddedSimulator.start()
        let accounts = AccountService(database: database, signer: try await AccessTokenSigner.make(secret: Array(repeating: 7, count: 32)),
                                      hasher: PasswordHasher(cost: 4))
        let registry = PluginRegistry(searchPath: PluginRegistry.searchPath(explicit: [], dataDirectory: folder))
        let services = StudioServices(database: database, accounts: accounts,
                                      vault: try KeyVault(database: database, masterKey: Array(0..<32)),
                                      plugins: registry, options: .init(simulatorURL: simulator.baseURL))
        let port = freePort()
        let app = buildApplication(host: "127.0.0.1", port: port, services: services)
        let server = Task { try await app.runService() }
        let runner = Task { await services.runner.run() }
        let base = "http://127.0.0.1:\(port)"
        let transport = Transport()
        try await waitUntilUp(transport, base)

        let token = try await json(transport, "POST", base + "/api/auth/register", nil,
                                   ["email": "bench@example.com", "password": "long enough pass"])["access_token"]?.stringValue ?? ""
        let providers = try await json(transport, "GET", base + "/api/providers", token, nil)["providers"]?.arrayValue ?? []
        let sim = providers.first { $0["slug"] == "sim-openai" }?["id"]?.stringValue ?? ""
        let models = ["sim-ttft20-gap5-tok16-a", "sim-ttft20-gap5-tok16-b", "sim-ttft20-gap5-tok16-c"]
        for model in models { _ = try await json(transport, "POST", base + "/api/providers/\(sim)/models", token, ["model_id": .string(model)]) }

        print("SSE fan-out: one benchmark job of \(models.count * 20) runs (progress + result events), followers on loopback")
        var table: [(Int, Summary)] = []
        for followers in [1, 100] {
            let summary = try await follow(followers: followers, transport: transport, base: base, token: token,
                                           models: models, services: services)
            table.append((followers, summary))
            print(String(format: "  %3d followers: host→client p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%d samples)  RSS %.1f MB → %.1f MB",
                         followers, summary.p50, summary.p99, summary.max, summary.samples, summary.rssBeforeMB, summary.rssPeakMB))
        }
        if table.count == 2 {
            let (one, many) = (table[0].1, table[1].1)
            print(String(format: "  100 vs 1 follower: p50 ×%.2f, p99 ×%.2f; memory per follower %.1f KB",
                         many.p50 / one.p50, many.p99 / one.p99, (many.rssPeakMB - many.rssBeforeMB) * 1024 / 100))
        }
        runner.cancel()
        services.runner.stop()
        await runner.value
        server.cancel()
        try? await transport.shutdown()
        try? await services.transport.shutdown()
        await simulator.stop()
        await database.close()
        exit(0)
    }

    struct Summary {
        var p50 = 0.0, p99 = 0.0, max = 0.0
        var samples = 0
        var rssBeforeMB = 0.0, rssPeakMB = 0.0
    }

    /// Submits a job, attaches `followers` SSE clients, and measures every live event.
    static func follow(followers: Int, transport: Transport, base: String, token: String, models: [String],
                       services: StudioServices) async throws -> Summary {
        // Hold the job in the queue until the followers are connected: submit it with
        // queue:true behind a short blocker job of the same user.
        let blocker = try await json(transport, "POST", base + "/api/benchmarks", token, [
            "targets": [["provider": "sim-openai", "model": "sim-ttft400-gap1-tok1"]], "runs": 1, "warmup": false, "max_tokens": 1])
        _ = blocker
        let submitted = try await json(transport, "POST", base + "/api/benchmarks", token, [
            "targets": .array(models.map { ["provider": "sim-openai", "model": .string($0)] }), "runs": 20, "warmup": false,
            "max_tokens": 16, "queue": true])
        guard let jobID = submitted["job_id"]?.stringValue else { throw BenchError("submit failed: \(submitted)") }

        let hostTimes = Mutex<[Int: UInt64]>([:])
        let hubToken = services.hub.subscribe(jobID: jobID) { event in hostTimes.withLock { $0[event.seq] = event.receivedAt } }
        defer { services.hub.unsubscribe(jobID: jobID, token: hubToken) }
        let rssBefore = residentMB()
        let peak = Mutex(rssBefore)
        let sampler = Task {
            while !Task.isCancelled {
                let now = residentMB()
                peak.withLock { $0 = Swift.max($0, now) }
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        let arrivals = try await withThrowingTaskGroup(of: [(Int, UInt64)].self) { group in
            for _ in 0..<followers {
                group.addTask { try await sseClient(transport, base + "/api/jobs/\(jobID)/events", token) }
            }
            var all: [[(Int, UInt64)]] = []
            for try await one in group { all.append(one) }
            return all
        }
        sampler.cancel()
        var latencies: [Double] = []
        let host = hostTimes.withLock { $0 }
        for client in arrivals {
            for (seq, at) in client {
                guard let had = host[seq], had > 0, at >= had else { continue }  // replayed from the database: not live
                latencies.append(Double(at - had) / 1e6)
            }
        }
        latencies.sort()
        guard !latencies.isEmpty else { throw BenchError("no live events measured") }
        return Summary(p50: Statistics.percentile(sorted: latencies, 50) ?? 0, p99: Statistics.percentile(sorted: latencies, 99) ?? 0,
                       max: latencies.last ?? 0, samples: latencies.count, rssBeforeMB: rssBefore, rssPeakMB: peak.withLock { $0 })
    }

    /// Follows one event stream to its terminal event; returns (id, socket read stamp) per event.
    static func sseClient(_ transport: Transport, _ url: String, _ token: String) async throws -> [(Int, UInt64)] {
        let (_, events) = try transport.exchange(method: "GET", url: url, headers: [("Authorization", "Bearer \(token)"),
                                                                                   ("Accept", "text/event-stream")], body: nil)
        var pending = ""
        var seen: [(Int, UInt64)] = []
        for try await event in events {
            guard case .body(let buffer, let at) = event else { continue }
            pending += String(buffer: buffer)
            while let end = pending.range(of: "\n\n") {
                let frame = pending[..<end.lowerBound]
                pending.removeSubrange(..<end.upperBound)
                if let idLine = frame.split(separator: "\n").first(where: { $0.hasPrefix("id: ") }), let id = Int(idLine.dropFirst(4)) {
                    seen.append((id, at))
                }
            }
        }
        return seen
    }

    static func json(_ transport: Transport, _ method: String, _ url: String, _ token: String?, _ body: JSONValue?) async throws -> JSONValue {
        var headers = [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let (_, events) = try transport.exchange(method: method, url: url, headers: headers, body: body.map { Array($0.jsonString.utf8) })
        var text = ""
        for try await event in events { if case .body(let buffer, _) = event { text += String(buffer: buffer) } }
        return (try? JSONParser.parse(text)) ?? .string(text)
    }

    static func waitUntilUp(_ transport: Transport, _ base: String) async throws {
        for _ in 0..<200 {
            if (try? await json(transport, "GET", base + "/healthz", nil, nil))?["status"] == "ok" { return }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        throw BenchError("the server did not start")
    }

    static func residentMB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    struct BenchError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
