import ArgumentParser
import Foundation
import HostTransport
import StudioJSON

/// `studio tune --server URL --suite ID --model PROVIDER/MODEL --space …` (docs/cli.md,
/// docs/tuning.md): a parameter tuning run as a job on a studio server, with the user's
/// suites, models and keys there; each trial prints as it finishes, then the best trials,
/// the verdict against the baseline, and what was spent.
struct Tune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tune a model's parameters on a suite (on a studio server): trials, then the best confirmed against a baseline.",
        discussion: """
        Spaces: --space temperature=0:1.5:0.05 (min:max:step), --space top_p=0.5:1 (continuous; random or tpe only), \
        --space top_k=int:1:100 (whole numbers), --space tool_choice=auto,required (a list; numbers stay numbers).
        With --writer PROVIDER/MODEL it tunes the system prompt instead (--mode quick|evolutionary, --population, \
        --generations, --survivors, --from-prompt ID, --label); --baseline then fixes the parameters.
        Example: studio tune --server http://127.0.0.1:8080 --suite SUITE_ID --model sim-openai/sim-ttft5-gap1-toolssurface \
        --space temperature=0:1.5:0.05 --space top_p=0.5:1:0.05 --baseline temperature=1 --trials 30 --max-calls 2000
        """)

    @Option(help: "The studio server's URL (or set STUDIO_SERVER).") var server: String?
    @Option(help: "A CLI token (or set STUDIO_TOKEN).") var token: String?
    @Option(help: "The suite's id on the server (see `studio suites list`).") var suite: String?
    @Option(help: "The model as PROVIDER/MODEL (your server-side ids).") var model: String?
    @Option(help: "A parameter and its values: NAME=MIN:MAX[:STEP], NAME=int:MIN:MAX[:STEP] or NAME=A,B,C (repeatable).") var space: [String] = []
    @Option(help: "tpe (learns where good scores are), random or grid.") var strategy = "tpe"
    @Option(help: "At most this many trials.") var trials = 30
    @Option(name: .customLong("repeat"), help: "Repeats per case for promising trials and the confirmation.") var repeats = 1
    @Flag(inversion: .prefixedNo, help: "Successive halving: only the best third of trials get every repeat (default: on when --repeat > 1).")
    var halving: Bool?
    @Option(help: "Seed: the same seed and the same scores give the same trials.") var seed = 1
    @Option(help: "The configuration to beat: NAME=VALUE (repeatable; default: the model's own).") var baseline: [String] = []
    @Option(name: .customLong("baseline-system-prompt"), help: "The baseline's system prompt (default: the suite's).") var baselineSystemPrompt: String?
    @Option(name: .customLong("max-calls"), help: "Hard budget: calls to the provider, trials and confirmation together.") var maxCalls = 2000
    @Option(name: .customLong("max-usd"), help: "Hard budget in USD by the model's prices.") var maxUSD: Double?
    @Flag(name: .customLong("no-confirm"), help: "Skip the fresh paired run of the best against the baseline.") var noConfirm = false
    @Option(help: "Scorer plugin id.") var scorer = "toolcall"
    @Flag(help: "Only print what the run would take (calls and cost), without starting it.") var estimate = false
    @Option(help: "Continue this stopped tuning run after its last trial (other flags but --server and --token are ignored).") var resume: String?
    @Option(help: "Tune the system prompt instead: the model that writes candidate prompts, PROVIDER/MODEL.") var writer: String?
    @Option(help: "With --writer: quick (one round) or evolutionary (generations).") var mode = "quick"
    @Option(help: "With --writer: candidates (quick) or the population of each generation.") var population = 6
    @Option(help: "With --writer, evolutionary: generations.") var generations = 3
    @Option(help: "With --writer, evolutionary: the best prompts kept and shown to the writer.") var survivors = 2
    @Option(name: .customLong("from-prompt"), help: "With --writer: a library prompt id to start from (repeatable).") var fromPrompt: [String] = []
    @Option(help: "With --writer: a label for the saved prompt (repeatable).") var label: [String] = []
    @Flag(help: "Print the finished run as one JSON document.") var json = false

    var serverURL: String? { server ?? ProcessInfo.processInfo.environment["STUDIO_SERVER"] }
    var bearer: String? { token ?? ProcessInfo.processInfo.environment["STUDIO_TOKEN"] }

    func validate() throws {
        guard serverURL != nil else { throw ValidationError("--server is needed (or STUDIO_SERVER): tuning runs on a studio server") }
        guard bearer != nil else { throw ValidationError("--token is needed (or STUDIO_TOKEN): create one on the Account page") }
        guard resume == nil else { return }
        guard suite != nil else { throw ValidationError("--suite is needed: the id of one of your suites") }
        guard let model, model.contains("/") else { throw ValidationError("--model is needed as PROVIDER/MODEL") }
        if let writer {
            guard writer.contains("/") else { throw ValidationError("--writer is PROVIDER/MODEL") }
            guard space.isEmpty else { throw ValidationError("--space is for parameter tuning; with --writer the parameters are fixed by --baseline") }
            guard ["quick", "evolutionary"].contains(mode) else { throw ValidationError("--mode is quick or evolutionary") }
            _ = try Self.assignments(baseline, flag: "--baseline")
            return
        }
        guard !space.isEmpty else { throw ValidationError("give at least one --space, e.g. --space temperature=0:1.5:0.05") }
        _ = try Self.space(space)
        _ = try Self.assignments(baseline, flag: "--baseline")
    }

    /// `--space` flags as the API's space object.
    static func space(_ flags: [String]) throws -> JSONValue {
        var object = JSONObject()
        for flag in flags {
            guard let eq = flag.firstIndex(of: "="), eq != flag.startIndex else {
                throw ValidationError("--space \(flag): write NAME=MIN:MAX[:STEP] or NAME=A,B,C")
            }
            let name = String(flag[..<eq])
            var spec = String(flag[flag.index(after: eq)...])
            guard object[name] == nil else { throw ValidationError("--space \(name) is given twice") }
            let integer = spec.hasPrefix("int:")
            if integer { spec.removeFirst(4) }
            if spec.contains(":") {
                let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
                guard (2...3).contains(parts.count), parts.allSatisfy({ $0 != nil }) else {
                    throw ValidationError("--space \(name)=\(spec): a range is MIN:MAX or MIN:MAX:STEP, in numbers")
                }
                var range: JSONObject = ["min": .double(parts[0]!), "max": .double(parts[1]!)]
                if parts.count == 3 { range["step"] = .double(parts[2]!) }
                if integer { range["integer"] = true }
                object[name] = .object(range)
            } else {
                let values = spec.split(separator: ",").map { value(String($0)) }
                guard !values.isEmpty else { throw ValidationError("--space \(name): give at least one value") }
                object[name] = ["values": .array(values)]
            }
        }
        return .object(object)
    }

    /// NAME=VALUE flags as an object; values are JSON when they parse (numbers, true), else text.
    static func assignments(_ flags: [String], flag: String) throws -> JSONObject {
        var object = JSONObject()
        for item in flags {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { throw ValidationError("\(flag) \(item): write NAME=VALUE") }
            object[String(item[..<eq])] = value(String(item[item.index(after: eq)...]))
        }
        return object
    }

    static func value(_ text: String) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let parsed = try? JSONParser.parse(trimmed), parsed.stringValue == nil { return parsed }
        return .string(trimmed)
    }

    var request: JSONValue {
        let parts = (model ?? "").split(separator: "/", maxSplits: 1).map(String.init)
        var baselineObject: JSONObject = ["params": .object((try? Self.assignments(baseline, flag: "--baseline")) ?? [:])]
        if let baselineSystemPrompt { baselineObject["system_prompt"] = .string(baselineSystemPrompt) }
        var budget: JSONObject = ["max_calls": .int(Int64(maxCalls))]
        if let maxUSD { budget["max_cost_usd"] = .double(maxUSD) }
        var body: JSONObject = ["suite_id": .string(suite ?? ""), "target": ["provider": .string(parts.first ?? ""), "model": .string(parts.last ?? "")],
                                "space": (try? Self.space(space)) ?? [:], "strategy": .string(strategy), "seed": .int(Int64(seed)),
                                "trials": .int(Int64(trials)), "repeat": .int(Int64(repeats)), "baseline": .object(baselineObject),
                                "budget": .object(budget), "confirm": .bool(!noConfirm), "scorer": .string(scorer)]
        if let halving { body["halving"] = .bool(halving) }
        return .object(body)
    }

    /// With --writer: a prompt tuning request (docs/tuning.md, "Prompt tuning"); the
    /// --baseline parameters stay fixed, --baseline-system-prompt is the prompt to beat.
    var promptRequest: JSONValue {
        let parts = (model ?? "").split(separator: "/", maxSplits: 1).map(String.init)
        let writerParts = (writer ?? "").split(separator: "/", maxSplits: 1).map(String.init)
        var budget: JSONObject = ["max_calls": .int(Int64(maxCalls))]
        if let maxUSD { budget["max_cost_usd"] = .double(maxUSD) }
        var body: JSONObject = ["suite_id": .string(suite ?? ""), "target": ["provider": .string(parts.first ?? ""), "model": .string(parts.last ?? "")],
                                "writer": ["provider": .string(writerParts.first ?? ""), "model": .string(writerParts.last ?? "")],
                                "mode": .string(mode), "params": .object((try? Self.assignments(baseline, flag: "--baseline")) ?? [:]),
                                "repeat": .int(Int64(repeats)), "budget": .object(budget), "confirm": .bool(!noConfirm), "scorer": .string(scorer),
                                "seeds": .array(fromPrompt.map(JSONValue.string)), "labels": .array(label.map(JSONValue.string))]
        if mode == "quick" { body["candidates"] = .int(Int64(population)) } else {
            body["population"] = .int(Int64(population))
            body["generations"] = .int(Int64(generations))
            body["survivors"] = .int(Int64(survivors))
        }
        if let baselineSystemPrompt { body["baseline_prompt"] = .string(baselineSystemPrompt) }
        return .object(body)
    }

    func run() async throws {
        let base = serverURL!.hasSuffix("/") ? String(serverURL!.dropLast()) : serverURL!
        let token = bearer!
        let transport = Transport()
        defer { Task { try? await transport.shutdown() } }

        let path = resume.map { "/api/tuning/\($0)/resume" } ?? (writer != nil ? "/api/tuning/prompts" : estimate ? "/api/tuning/estimate" : "/api/tuning")
        let (status, answer) = try await Bench.call(transport, "POST", base + path, token: token,
                                                    body: resume != nil ? nil : writer != nil ? promptRequest : request)
        guard (200...299).contains(status) else {
            printError("the server refused the tuning run (HTTP \(status)): \(answer["error"]?["message"]?.stringValue ?? answer.jsonString)")
            throw ExitCode.failure
        }
        if let estimate = answer["estimate"], !json { printError(Self.estimateLine(estimate)) }
        if estimate && writer == nil {
            print(json ? (answer["estimate"] ?? .null).prettyJSONString : Self.estimateLine(answer["estimate"] ?? .null))
            return
        }
        guard let jobID = answer["job_id"]?.stringValue else { throw ExitCode.failure }
        if !json { printError("job \(jobID) submitted to \(base)") }
        let final = try await Bench.follow(transport, base: base, jobID: jobID, token: token) { name, data in
            guard !json else { return }
            switch name {
            case "tuning":
                if let after = data["resumed_after"]?.intValue, after > 0 { printError("resuming after trial \(after)") }
            case "trial": printError(Self.trialLine(data, total: writer == nil ? trials : (mode == "quick" ? population : population * generations) + fromPrompt.count))
            case "confirmation": printError("confirming the best against the baseline: done")
            case "writer_error": printError("writer: \(data["message"]?.stringValue ?? "")")
            default: break
            }
        }
        let summary = final["summary"] ?? .null
        if json {
            let id = final["tuning_id"]?.stringValue ?? ""
            let (_, run) = try await Bench.call(transport, "GET", base + "/api/tuning/\(id)", token: token, body: nil)
            print(run.prettyJSONString)
        } else {
            print(Self.report(summary))
        }
        if summary["best"] == .null { throw ExitCode.failure }  // no trial ran
    }

    static func config(_ config: JSONValue?) -> String {
        guard let object = config?.objectValue else { return "-" }
        return object.keys.sorted().map { key in
            let value = object[key]!
            let text = value.stringValue.map { $0.count > 40 ? String($0.prefix(37)) + "…" : $0 } ?? value.jsonString
            return "\(key)=\(text)"
        }.joined(separator: " ")
    }

    static func trialLine(_ t: JSONValue, total: Int) -> String {
        var line = "[\(t["trial"]?.intValue ?? 0)/\(total)] \(config(t["config"])) → score \(String(format: "%.3f", t["score"]?.doubleValue ?? 0))"
            + " (\(t["repeats"]?.intValue ?? 0)× each case, \(t["calls"]?.intValue ?? 0) calls)"
        if let note = t["note"]?.stringValue { line += " — \(note)" }
        return line
    }

    static func estimateLine(_ e: JSONValue) -> String {
        let cost: String
        if let worst = e["cost_usd_worst"]?.doubleValue {
            // An upper bound: every answer as long as max_tokens allows; real answers are shorter.
            cost = String(format: "at most $%.4f (were every answer max_tokens long)", worst)
        } else {
            cost = "cost unknown: the model has no prices"
        }
        return "estimate: about \(e["calls_typical"]?.intValue ?? 0) calls (at most \(e["calls_worst"]?.intValue ?? 0)), \(cost); "
            + "\(e["trials_within_max_calls"]?.intValue ?? 0) trials fit within \(e["max_calls"]?.intValue ?? 0) calls"
    }

    /// The finished run in words: the best trials, the verdict, why it stopped, what it spent.
    static func report(_ summary: JSONValue) -> String {
        var lines: [String] = []
        let stop: [String: String] = ["trials": "every trial ran", "exhausted": "the space was exhausted",
                                      "budget": "the budget was spent", "cancelled": "it was cancelled"]
        if let best = summary["best"], best != .null {
            lines.append("best: trial \(best["trial"]?.intValue ?? 0): \(config(best["config"])) — score \(String(format: "%.3f", best["score"]?.doubleValue ?? 0))")
        } else {
            lines.append("no trial ran")
        }
        if let c = summary["confirmation"] {
            if let skipped = c["skipped"]?.stringValue {
                lines.append("confirmation skipped: \(skipped)")
            } else if let cmp = c["comparison"] {
                let diff = cmp["mean_difference"]?.doubleValue ?? 0
                let p = cmp["p_value"]?.doubleValue ?? 1
                lines.append(String(format: "confirmed on a fresh run: %.3f vs baseline %.3f (%+.3f, 95%% CI %+.3f to %+.3f, %@): %@",
                                    c["best"]?["score"]?.doubleValue ?? 0, c["baseline"]?["score"]?.doubleValue ?? 0, diff,
                                    cmp["ci_low"]?.doubleValue ?? 0, cmp["ci_high"]?.doubleValue ?? 0,
                                    p < 0.001 ? "p < 0.001" : String(format: "p = %.3f", p),
                                    cmp["verdict"]?.stringValue == "no significant difference" ? "no significant improvement" : (cmp["verdict"]?.stringValue ?? "")))
            }
        }
        if let saved = summary["library_id"]?.stringValue {
            lines.append("the best prompt is in your prompt library: \(saved)")
            if let best = summary["best"]?["config"]?["system_prompt"]?.stringValue { lines.append("best prompt: \(best)") }
        }
        let spent = summary["spent"]
        let cost = spent?["cost_usd"]?.doubleValue.map { String(format: ", $%.4f", $0) } ?? ", cost unknown"
        lines.append("stopped: \(stop[summary["stopped"]?.stringValue ?? ""] ?? "-") after \(summary["trials"]?.intValue ?? 0) trials; "
                     + "spent \(spent?["calls"]?.intValue ?? 0) calls\(cost)")
        return lines.joined(separator: "\n")
    }
}
