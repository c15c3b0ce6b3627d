// Measurement accuracy benchmark (issue: measurement core). Runs `studio simulate` in
// its own process (pinned to core 1 when taskset exists), sends sequential streaming
// requests of 64 tokens through the openai plugin and the studio's transport, and
// compares every measurement with the simulator's ground truth (its socket stamps):
//   TTFT error = measured TTFT − (first token flush − request arrival)
//   ITL error  = measured per-token gap − ground-truth gap
// It prints p50/p99/max of both, the client's CPU-seconds per 1,000 requests and its
// peak RSS. Not a test: a command that prints figures (`make bench-measure`).
//
// With STUDIO_BENCH_ISOLATION=compare (`make bench-isolation`) it runs the same
// measurement with the openai plugin in-process and isolated (in its sandboxed runner),
// then sends REQUESTS at concurrency 64 and 512 with each (a request built once, as a load
// test's level does), and prints the decode cost per read and the CPU-seconds per 1,000
// requests of host and runner together: each way's median of alternating rounds.

import Foundation
import HostMeasurement
import HostPlugins
import HostProviderCalls
import HostTransport
import NIOCore
import StudioJSON

#if canImport(Glibc)
import Glibc
#endif

@main
enum MeasurementAccuracy {
    static func main() async throws {
        let requests = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 300
        let directory = PluginRegistry.executableDirectory() ?? "."
        if let existing = ProcessInfo.processInfo.environment["STUDIO_SIMULATOR_URL"] {
            // An already running `studio simulate` (e.g. when profiling this client alone).
            try await measure(base: existing, directory: directory, requests: requests)
            return
        }
        let simulator = Process()
        simulator.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") ? "/usr/bin/taskset" : directory + "/studio")
        simulator.arguments = (simulator.executableURL!.path.hasSuffix("taskset") ? ["-c", "1", directory + "/studio"] : []) + ["simulate", "--port", "0"]
        let pipe = Pipe()
        simulator.standardOutput = pipe
        simulator.standardError = FileHandle.nullDevice
        try simulator.run()
        defer { simulator.terminate() }
        var line = Data()
        while let byte = try pipe.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line += byte }
        let text = String(decoding: line, as: UTF8.self)
        guard let start = text.range(of: "http://") else { fatalError("simulator did not start: \(text)") }
        let base = String(text[start.lowerBound...])
        try await measure(base: base, directory: directory, requests: requests)
    }

    static func measure(base: String, directory: String, requests: Int) async throws {
        let library = directory + "/libstudio_openai.so"
        let mode = ProcessInfo.processInfo.environment["STUDIO_BENCH_ISOLATION"]
        guard mode == "compare" || mode == "concurrent" else {
            try await measure(base: base, plugin: try PluginLoader.load(path: library), label: "in-process", requests: requests)
            return
        }
        let local = try PluginLoader.load(path: library)
        let isolated = try PluginRegistry.loadIsolated(path: library, sha256: nil, origin: .bundled, policy: PluginTrustPolicy(), id: nil)
        // Sequential accuracy on 300 requests (about 45 s each way); REQUESTS for the concurrent
        // part, which alone runs with STUDIO_BENCH_ISOLATION=concurrent (when profiling it).
        if mode == "compare" {
            try await measure(base: base, plugin: local, label: "in-process", requests: 300)
            try await measure(base: base, plugin: isolated, label: "isolated", requests: 300)
        }
        // Rounds alternate the two ways (STUDIO_BENCH_ROUNDS, default 3), so a machine that
        // is busier in one phase than another does not decide the comparison; the medians
        // and their ratio are printed at the end.
        let rounds = max(1, ProcessInfo.processInfo.environment["STUDIO_BENCH_ROUNDS"].flatMap(Int.init) ?? 3)
        var summary: [String] = []
        for concurrency in [64, 512] {
            var costs: [String: [Double]] = [:]
            for _ in 0..<rounds {
                for (label, plugin) in [("in-process", local), ("isolated", isolated)] {
                    costs[label, default: []].append(
                        try await concurrent(base: base, plugin: plugin, label: label, concurrency: concurrency, requests: max(requests, concurrency * 4)))
                }
            }
            let local = Statistics.percentile(sorted: costs["in-process", default: []].sorted(), 50) ?? 0
            let remote = Statistics.percentile(sorted: costs["isolated", default: []].sorted(), 50) ?? 0
            summary.append(String(format: "c=%-3d median CPU per 1,000 requests: in-process %.3f s, isolated %.3f s: %+.1f %%",
                                  concurrency, local, remote, (remote / max(local, 1e-9) - 1) * 100))
        }
        summary.forEach { print($0) }
        print("target: isolated at most +15 % CPU at c=512")
        isolated.isolation?.stopRunners()
    }

    /// `requests` streams, `concurrency` at a time; CPU of this process and of the plugin's
    /// runner (reaped children), per 1,000 requests, and the decode cost per read.
    @discardableResult
    static func concurrent(base: String, plugin: LoadedPlugin, label: String, concurrency: Int, requests: Int) async throws -> Double {
        let endpoint = ProviderEndpoint(provider: try plugin.makeProvider(config: ["base_url": .string(base + "/v1")]), apiKey: nil)
        let transport = Transport()
        let request: JSONValue = ["model": "sim-ttft20-gap2-tok64", "stream": true,
                                  "messages": [["role": "user", "content": "Count."]], "params": ["max_tokens": 64]]
        // Built once and sent many times, as a load test's level does (LevelRun): what is
        // compared is the cost of sending and decoding, one round trip per isolated stream.
        guard case .success(let prepared) = ProviderCall.prepare(request, to: endpoint) else { fatalError("the openai plugin did not build the request") }
        // A runner left from an earlier phase is reaped first, so its CPU is not counted here.
        plugin.isolation?.stopRunners()
        let before = cpuSeconds() + childCPUSeconds()
        let started = MonotonicClock.now()
        let (reads, failures) = await withTaskGroup(of: (Int, Int).self) { group in
            let perWorker = requests / concurrency
            for _ in 0..<concurrency {
                group.addTask {
                    var reads = 0, failures = 0
                    for _ in 0..<perWorker {
                        let record = await ProviderCall.stream(prepared, transport: transport)
                        if record.succeeded { reads += record.reads.count } else { failures += 1 }
                    }
                    return (reads, failures)
                }
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        let wall = Double(MonotonicClock.now() - started) / 1e9
        plugin.isolation?.stopRunners()  // reaped, so its CPU counts below
        let cpu = cpuSeconds() + childCPUSeconds() - before
        let done = (requests / concurrency) * concurrency
        print(String(format: "c=%-3d %-10@: %d requests in %.2f s, %d reads; CPU %.3f s per 1,000 requests (%.2f µs per read); failures %d",
                     concurrency, label, done, wall, reads, cpu / Double(done) * 1000, cpu / Double(max(reads, 1)) * 1e6, failures))
        try? await transport.shutdown()
        return cpu / Double(done) * 1000
    }

    static func measure(base: String, plugin: LoadedPlugin, label: String, requests: Int) async throws {
        let endpoint = ProviderEndpoint(provider: try plugin.makeProvider(config: ["base_url": .string(base + "/v1")]), apiKey: nil)
        let transport = Transport()
        let model = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "sim-ttft20-gap2-tok64"
        let request: JSONValue = ["model": .string(model), "stream": true,
                                  "messages": [["role": "user", "content": "Count."]], "params": ["max_tokens": 64]]
        for _ in 0..<20 { _ = await ProviderCall.stream(request, to: endpoint, transport: transport) }  // warm-up

        var ttftErrors: [Double] = [], itlErrors: [Double] = [], failures = 0, gathered = 0
        var requestLegs: [Double] = [], responseLegs: [Double] = []
        var records: [(CallRecord, String)] = []
        let cpuBefore = cpuSeconds()
        // A short pause between requests (STUDIO_BENCH_PAUSE_MS, default 5) lets the
        // simulator finish its own bookkeeping, so its receipt stamps are not delayed by it.
        let pause = UInt64(ProcessInfo.processInfo.environment["STUDIO_BENCH_PAUSE_MS"].flatMap(Int.init) ?? 5) * 1_000_000
        for _ in 0..<requests {
            if pause > 0 { try await Task.sleep(nanoseconds: pause) }
            let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
            if let id = record.serverRequestID, record.succeeded { records.append((record, id)) } else { failures += 1 }
        }
        let cpuUsed = cpuSeconds() - cpuBefore
        // Ground truth is fetched after the timed loop, so it adds no load during it.
        for (record, id) in records {
            let truth = try await fetch(base + "/sim/requests/" + id, transport)
            guard let received = truth["received_ns"]?.intValue else { continue }
            let writes = (truth["writes"]?.arrayValue ?? []).filter { ($0["tokens"]?.intValue ?? 0) > 0 }
            let truthTimes = writes.compactMap { $0["at_ns"]?.intValue }
            let reads = record.reads.filter { $0.tokenEvents > 0 }.map { Int64($0.at) }
            guard let first = truthTimes.first, let ttft = record.metrics(prices: nil).ttftMs, !reads.isEmpty else { failures += 1; continue }
            ttftErrors.append(ttft - Double(first - received) / 1e6)
            // The two legs of the TTFT error: request (client flush → server arrival) and
            // response (server flush → client read).
            requestLegs.append(Double(received - Int64(record.t0)) / 1e6)
            responseLegs.append(Double(reads[0] - first) / 1e6)
            // A read that gathered two writes (the client was late, or they arrived in one
            // packet) leaves no per-token gap to compare: its TTFT counts, its ITL does not.
            guard reads.count == truthTimes.count else { gathered += 1; continue }
            for i in 1..<reads.count {
                itlErrors.append(Double(reads[i] - reads[i - 1]) / 1e6 - Double(truthTimes[i] - truthTimes[i - 1]) / 1e6)
            }
        }
        try? await transport.shutdown()

        func report(_ name: String, _ values: [Double]) {
            let sorted = values.map(abs).sorted()
            guard !sorted.isEmpty else { print("\(name): no samples"); return }
            func p(_ q: Double) -> Double { Statistics.percentile(sorted: sorted, q)! }
            print(String(format: "%@ |error| ms: p50 %.3f  p99 %.3f  max %.3f  (n=%d, mean signed %.3f)",
                         name, p(50), p(99), sorted.last!, sorted.count, values.reduce(0, +) / Double(values.count)))
        }
        print("Measurement accuracy (\(label)): \(requests) sequential requests to \(model), simulator in its own process")
        report("TTFT", ttftErrors)
        report("ITL ", itlErrors)
        report("  request leg ", requestLegs)
        report("  response leg", responseLegs)
        print(String(format: "client CPU: %.3f s per 1,000 requests; peak RSS %.1f MB; failures %d; ITL left out (a read gathered two writes) %d",
                     cpuUsed / Double(requests) * 1000, peakRSSMegabytes(), failures, gathered))
        print("targets: p99 TTFT error <= 0.3 ms; <= 0.2 CPU-s per 1k requests; <= 64 MB RSS")
    }

    static func fetch(_ url: String, _ transport: Transport) async throws -> JSONValue {
        let (_, events) = try transport.exchange(method: "GET", url: url, headers: [], body: nil)
        var body: [UInt8] = []
        for try await event in events { if case .body(let b, _) = event { body += b.readableBytesView } }
        return try JSONParser.parse(bytes: body)
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func childCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
