import ArgumentParser
import Foundation
import HostBenchmark
import HostConfig
import HostTransport
import NIOCore
import StudioJSON

/// `studio bench --server URL --token T`: the same benchmark, run as a job on a studio
/// server with the user's server-side providers, keys and history; progress and the
/// ranked table print as in local mode. A dropped event stream is resumed with
/// Last-Event-ID, so no event is missed or repeated.
extension Bench {
    /// Targets as the server names them: provider id and model id.
    var remoteTargets: [BenchmarkRequest.Target] {
        if let provider { return model.map { BenchmarkRequest.Target(provider: provider, model: $0) } }
        return model.compactMap { entry in
            guard let slash = entry.firstIndex(of: "/") else { return nil }
            return BenchmarkRequest.Target(provider: String(entry[..<slash]), model: String(entry[entry.index(after: slash)...]))
        }
    }

    func runRemote(server: String) async throws {
        let token = self.token ?? ProcessInfo.processInfo.environment["STUDIO_TOKEN"] ?? ""
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        // The server fills in what the flags leave out, from the same defaults.
        let request = request(targets: remoteTargets, defaults: StudioConfig.Defaults())

        let transport = Transport()
        defer { Task { try? await transport.shutdown() } }
        let (status, answer) = try await Self.call(transport, "POST", base + "/api/benchmarks", token: token, body: request.json)
        guard status == 202, let jobID = answer["job_id"]?.stringValue else {
            printError("the server refused the benchmark (HTTP \(status)): \(answer["error"]?["message"]?.stringValue ?? answer.jsonString)")
            throw ExitCode.failure
        }
        for adjustment in answer["adjustments"]?.arrayValue ?? [] {
            printError("note: \(adjustment["target"]?.stringValue ?? ""): \(adjustment["param"]?.stringValue ?? "") \(adjustment["action"]?.stringValue ?? "") (\(adjustment["original"]?.jsonString ?? "") → \(adjustment["adjusted"]?.jsonString ?? "")): \(adjustment["reason"]?.stringValue ?? "")")
        }
        if !json { printError("job \(jobID) submitted to \(base)") }

        var results: [JSONValue] = []
        var skipped: [JSONValue] = []
        let final = try await Self.follow(transport, base: base, jobID: jobID, token: token) { name, data in
            switch name {
            case "result": results.append(data)
            case "progress":
                if !json, let r = results.last, let done = data["done"]?.intValue, done > 0 {
                    printError(Self.progressLine(data, r))
                }
            case "skipped":
                skipped.append(data)
                if !json { printError("skipped \(data["target"]?.stringValue ?? "-"): \(data["reason"]?.stringValue ?? "")") }
            default: break
            }
        }
        let aggregates = final["aggregates"]?.arrayValue ?? []
        if json {
            let document: JSONValue = ["server": .string(base), "job_id": .string(jobID), "run_id": final["run_id"] ?? .null,
                                       "runs": .array(results), "aggregates": .array(aggregates), "skipped": .array(skipped)]
            print(document.prettyJSONString)
        } else {
            print(BenchReport.rankedTable(aggregates, names: [:]))
        }
        if let csv {
            do { try BenchReport.csv(results).write(toFile: csv, atomically: true, encoding: .utf8) } catch {
                printError("cannot write \(csv): \(error)")
                throw ExitCode.failure
            }
        }
        if !results.contains(where: { $0["ok"] == true }) { throw ExitCode.failure }
    }

    /// Follows a job's events until its end, resuming a dropped stream with Last-Event-ID
    /// so no event is missed or repeated; each event goes to `onEvent`. Returns the
    /// terminal event's data (`complete` or `cancelled`, said on stderr); a failed job
    /// exits with its message. Shared by `bench --server` and `tune`.
    static func follow(_ transport: Transport, base: String, jobID: String, token: String,
                       onEvent: (String, JSONValue) throws -> Void) async throws -> JSONValue {
        var last = 0
        var attempts = 0
        while true {
            var headers = [("Authorization", "Bearer \(token)"), ("Accept", "text/event-stream")]
            if last > 0 { headers.append(("Last-Event-ID", String(last))) }
            do {
                let (_, events) = try transport.exchange(method: "GET", url: base + "/api/jobs/\(jobID)/events", headers: headers, body: nil)
                var pending = ""
                for try await event in events {
                    if case .head(let code, _, _) = event, code != 200 {
                        printError("cannot follow job \(jobID): HTTP \(code)")
                        throw ExitCode.failure
                    }
                    guard case .body(let buffer, _) = event else { continue }
                    pending += String(buffer: buffer)
                    while let end = pending.range(of: "\n\n") {
                        let frame = String(pending[..<end.lowerBound])
                        pending.removeSubrange(..<end.upperBound)
                        guard let (id, name, data) = Self.parseFrame(frame) else { continue }
                        last = id
                        attempts = 0
                        switch name {
                        case "complete": return data
                        case "cancelled":
                            printError("the job was cancelled")
                            return data
                        case "error":
                            printError("the job failed: \(data["message"]?.stringValue ?? data.jsonString)")
                            throw ExitCode.failure
                        default: try onEvent(name, data)
                        }
                    }
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                attempts += 1
                if attempts > 5 { printError("lost the event stream: \(error)"); throw ExitCode.failure }
                try await Task.sleep(nanoseconds: 500_000_000)
            }
        }
    }

    static func parseFrame(_ frame: String) -> (Int, String, JSONValue)? {
        var id: Int?, name = "message", data = ""
        for line in frame.split(separator: "\n") {
            if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
            else if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            else if line.hasPrefix("data: ") { data += line.dropFirst(6) }
        }
        guard let id, let value = try? JSONParser.parse(data) else { return nil }
        return (id, name, value)
    }

    static func progressLine(_ progress: JSONValue, _ r: JSONValue) -> String {
        let head = "[\(progress["done"]?.intValue ?? 0)/\(progress["total"]?.intValue ?? 0)] \(r["target"]?.stringValue ?? "") tier \(r["context_tier"]?.intValue ?? 0) run \(r["run"]?.intValue ?? 0):"
        if let errorClass = r["error_class"]?.stringValue { return "\(head) \(errorClass) — \((r["error"]?.stringValue ?? "").prefix(160))" }
        return "\(head) TTFT \(BenchReport.fmt(r["ttft_ms"]?.doubleValue, 1)) ms, \(BenchReport.fmt(r["output_speed"]?.doubleValue, 1)) tok/s, ITL \(BenchReport.fmt(r["itl_ms"]?.doubleValue, 2)) ms, \(r["output_tokens"]?.intValue ?? 0) tokens"
    }

    static func call(_ transport: Transport, _ method: String, _ url: String, token: String, body: JSONValue?) async throws -> (Int, JSONValue) {
        let (_, events) = try transport.exchange(method: method, url: url,
                                                 headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                                 body: body.map { Array($0.jsonString.utf8) })
        var status = 0
        var text = ""
        do {
            for try await event in events {
                switch event {
                case .head(let code, _, _): status = code
                case .body(let buffer, _): text += String(buffer: buffer)
                default: break
                }
            }
        } catch {
            printError("cannot reach \(url): \(error)")
            throw ExitCode.failure
        }
        return (status, (try? JSONParser.parse(text)) ?? .string(text))
    }
}
