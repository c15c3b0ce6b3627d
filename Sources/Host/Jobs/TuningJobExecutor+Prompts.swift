import Foundation
import HostBenchmark
import HostEvals
import HostJudge
import HostMeasurement
import HostProviderCalls
import HostStorage
import HostTuning
import StudioJSON

/// Prompt tuning (docs/tuning.md, "Prompt tuning"): a writer model proposes system prompts,
/// each is scored on the suite as a trial; in the evolutionary mode each generation shows the
/// writer the best so far and asks it to improve on them. The budget counts the writer's
/// calls too. The best is confirmed against the baseline prompt and saved to the library.
extension TuningJobExecutor {
    /// The longest prompt a writer may propose, in characters; longer ones are dropped.
    static let longestCandidate = 4_000

    func runPrompts(_ job: JobRecord, json: JSONValue, events: JobEventWriter) async throws {
        let prompt: PromptTuneRequest
        do { prompt = try PromptTuneRequest(json: json) } catch { throw JobFailure("the stored request is no longer valid: \(error)") }
        let request = prompt.asTuneRequest
        let prepared = try await prepare(request, userID: job.userID)
        let userID = job.userID

        let (run, done) = try await openRun(job, json: json, kind: "prompts", suiteID: prompt.suiteID,
                                            experimentID: prompt.experimentID, request: prompt.json)
        do {
            try await promptTrials(prompt, prepared: prepared, run: run, done: done, userID: userID, events: events)
        } catch {
            try? await tuning.finishRun(userID: userID, id: run.id, status: "failed", summary: nil)
            throw error
        }
    }

    private func promptTrials(_ prompt: PromptTuneRequest, prepared: Prepared, run: TuningRunRecord, done: [Trial], userID: String,
                              events: JobEventWriter) async throws {
        let request = prepared.request
        let resolved = try await configuration.resolve(userID: userID, request: .single(provider: prompt.writerProvider, model: prompt.writerModel),
                                                       registry: plugins(), simulatorURL: simulatorURL)
        guard let writer = resolved.targets.first else {
            throw JobFailure("the writer model cannot be prepared: \(resolved.problems.joined(separator: "; "))")
        }
        var client = JudgeClient(endpoint: writer.endpoint, model: writer.model, transport: transport)
        client.maxTokens = 2_048

        var estimate = try await self.estimate(prepared, userID: userID)
        estimate = Estimate(costPerCall: estimate.costPerCall, json: TuningJSON.withWriterCalls(estimate.json, generations: prompt.generations))
        let budget = try budget(for: prepared, estimate: estimate, run: run, done: done)
        try await events.emit("tuning", ["tuning_id": .string(run.id), "trials": .int(Int64(prompt.trials)),
                                         "resumed_after": .int(Int64(done.count)), "estimate": estimate.json])

        let baselinePrompt = prompt.baselinePrompt ?? prepared.suite.systemPrompt
        let seeds = try await seedPrompts(prompt, userID: userID)
        var trials = done
        var stop = TuningLoop.Stop.trials
        var writerProblem: String? = nil
        var repeated = 0
        // A resumed run starts again at the generation it was in; prompts already scored are skipped.
        let firstGeneration = done.compactMap { Self.generation(of: $0) }.max().map { $0 - 1 } ?? 0

        generations: for generation in firstGeneration..<prompt.generations {
            if Task.isCancelled { stop = .cancelled; break }
            let ranked = Self.bestFirst(trials)
            var candidates: [(text: String, parent: Int?, origin: String)] = []
            if generation == 0 { candidates += seeds.map { ($0.text, nil, "from the library: \($0.name)") } }
            guard budget.fits(cases: 1) else { stop = .budget; break }
            let shown = prompt.mode == .evolutionary ? Array(ranked.prefix(prompt.survivors)) : []
            let (answer, calls) = await client.ask(system: Self.writerSystem,
                                                   user: Self.writerRequest(prepared.suite, current: baselinePrompt, best: shown, count: prompt.population),
                                                   format: Self.writerFormat)
            budget.charge(calls: calls.count, costUSD: calls.reduce(Double?(0)) { sum, call in
                sum.flatMap { s in RunMetrics.cost(input: call.usageInput, output: call.usageOutput ?? 0, prices: writer.prices).map { s + $0 } } })
            switch answer.flatMap({ text in Result { try Self.prompts(in: text) }.mapError { $0 as? JudgeError ?? JudgeError("malformed", "\($0)") } }) {
            case .success(let written):
                let parent = shown.first?.position
                candidates += written.prefix(prompt.population).map { text in
                    let from = shown.first { text.contains(Self.promptText($0)) }?.position ?? parent
                    return (text, from, from.map { "from trial \($0 + 1)" } ?? "written fresh")
                }
            case .failure(let problem):
                writerProblem = "generation \(generation + 1): the writer's answer could not be used (\(problem.description))"
                try await events.emit("writer_error", ["tuning_id": .string(run.id), "message": .string(writerProblem!),
                                                       "generation": .int(Int64(generation + 1)), "code": .string(problem.code),
                                                       "detail": .string(problem.message)])
                if generation == 0 && seeds.isEmpty { throw JobFailure(writerProblem!) }
            }
            for candidate in candidates {
                if Task.isCancelled { stop = .cancelled; break generations }
                guard !trials.contains(where: { Self.promptText($0) == candidate.text }) else {
                    repeated += 1  // a prompt already scored: not scored twice, but said
                    continue
                }
                guard trials.count < prompt.trials else { break }
                guard budget.fits(cases: prepared.suite.cases.count * request.repeats) else { stop = .budget; break generations }
                let config = prompt.config(prompt: candidate.text)
                let outcome: TrialOutcome
                do { outcome = try await evaluate(config, repeats: 1...request.repeats, prepared, userID: userID, budget: budget) } catch is TuningBudget.Exhausted {
                    stop = .budget
                    break generations
                }
                if Task.isCancelled { stop = .cancelled; break generations }
                let trial = Trial(position: trials.count, config: config, resolvedKey: candidate.text, resolved: .object(config),
                                  repeats: request.repeats, outcome: outcome, note: "generation \(generation + 1), \(candidate.origin)")
                trials.append(trial)
                let record = try Self.record(trial)
                try await tuning.addTrial(userID: userID, runID: run.id, record)
                var event = try TuningJSON.trial(record)
                event["tuning_id"] = .string(run.id)
                try await events.emit("trial", .object(event))
                try await events.emit("progress", progress(run.id, trials.count, prompt.trials, budget))
            }
        }

        var summary = TuningJSON.summary(request: request, trials: trials.map { try? Self.record($0) }.compactMap { $0 },
                                         stop: stop.rawValue, spent: budget.spent, estimate: estimate.json)
        if let writerProblem { summary["writer_problem"] = .string(writerProblem) }
        // Prompts the writer proposed again, skipped: why a run can end with fewer trials than asked.
        summary["repeated_prompts"] = .int(Int64(repeated))
        summary["baseline"] = .object(prompt.config(prompt: baselinePrompt))
        let best = TuningLoop.best(trials)
        if let best { summary["lineage"] = .array(Self.lineage(of: best, in: trials).map { .int(Int64($0.position + 1)) }) }
        if stop != .cancelled, request.confirm, let best {
            budget.release()
            var confirming = prepared
            confirming.request.baselineSystemPrompt = baselinePrompt
            let confirmation = await confirm(best: best, confirming, userID: userID, budget: budget)
            summary["confirmation"] = confirmation
            summary["spent"] = TuningJSON.spent(budget.spent)
            try await events.emit("confirmation", ["tuning_id": .string(run.id), "confirmation": confirmation])
        }
        let cancelled = Task.isCancelled || stop == .cancelled
        if !cancelled, let best {
            // The best prompt joins the library, under the library prompt it descends from (if any).
            let root = Self.lineage(of: best, in: trials).first
            let seed = root.flatMap { r in seeds.first { $0.text == Self.promptText(r) } }
            let score = summary["confirmation"]?["best"]?["score"]?.doubleValue ?? best.score
            let saved = PromptRecord(name: "\(prepared.suiteName): tuned for \(prompt.provider)/\(prompt.model)", text: Self.promptText(best),
                                     labels: JSONValue.array((["tuner"] + prompt.labels).map(JSONValue.string)).jsonString, source: "tuner",
                                     parentID: seed?.id, tuningRunID: run.id, score: score)
            try await library.add(userID: userID, [saved])
            summary["library_id"] = .string(saved.id)
        }
        try await tuning.finishRun(userID: userID, id: run.id, status: cancelled ? "cancelled" : "done", summary: JSONValue.object(summary).jsonString)
        try await events.emit(cancelled ? "cancelled" : "complete", ["tuning_id": .string(run.id), "summary": .object(summary)])
    }

    /// The library prompts a run starts from (the caller's own; a missing one is an error).
    func seedPrompts(_ prompt: PromptTuneRequest, userID: String) async throws -> [PromptRecord] {
        var seeds: [PromptRecord] = []
        for id in prompt.seeds {
            guard let found = try await library.find(userID: userID, id: id) else { throw JobFailure("the library prompt \(id) no longer exists") }
            seeds.append(found)
        }
        return seeds
    }

    static func promptText(_ trial: Trial) -> String { trial.config["system_prompt"]?.stringValue ?? "" }

    static func generation(of trial: Trial) -> Int? {
        guard let note = trial.note, note.hasPrefix("generation ") else { return nil }
        return Int(note.dropFirst("generation ".count).prefix { $0.isNumber })
    }

    /// Trials that ran, best first, one per prompt.
    static func bestFirst(_ trials: [Trial]) -> [Trial] {
        trials.filter(\.ran).sorted { $0.score != $1.score ? $0.score > $1.score : $0.position < $1.position }
    }

    /// The trial's ancestors through "from trial N" notes, oldest first, itself last.
    static func lineage(of trial: Trial, in trials: [Trial]) -> [Trial] {
        var chain = [trial]
        var current = trial
        while let note = current.note, let range = note.range(of: "from trial "),
              let number = Int(note[range.upperBound...].prefix { $0.isNumber }), number - 1 < current.position,
              let parent = trials.first(where: { $0.position == number - 1 }) {
            chain.insert(parent, at: 0)
            current = parent
        }
        return chain
    }

    static let writerSystem = """
        You write system prompts for a language model that answers requests by calling tools. \
        Answer with JSON only, in this shape: {"prompts": ["first prompt", "second prompt"]}.
        """

    static let writerFormat = JudgeClient.responseFormat(name: "prompts", properties: ["prompts": ["type": "array", "items": ["type": "string"]]])

    /// What the writer is told: the tools, a few of the requests, the current prompt, and in
    /// the evolutionary mode the best prompts so far with their scores, best first.
    static func writerRequest(_ suite: EvalSuite, current: String, best: [Trial], count: Int) -> String {
        func short(_ text: String, _ limit: Int) -> String { text.count > limit ? String(text.prefix(limit - 1)) + "…" : text }
        var lines = ["The model is offered these tools:"]
        for tool in suite.tools.prefix(20) {
            let function = tool["function"]
            lines.append("- \(function?["name"]?.stringValue ?? "?"): \(short(function?["description"]?.stringValue ?? "", 200))")
        }
        lines.append("Some of the requests it gets:")
        for testCase in suite.cases.prefix(5) {
            let text = testCase.body["prompt"]?.stringValue
                ?? testCase.body["question"]?.arrayValue?.first?.arrayValue?.last?["content"]?.stringValue ?? ""
            lines.append("- \(short(text, 300))")
        }
        lines.append("The current system prompt: \(current.isEmpty ? "(none)" : short(current, 1_000))")
        if !best.isEmpty {
            lines.append("Prompts tried so far, best first (score: the share of requests answered with the right call):")
            for (i, trial) in best.enumerated() {
                lines.append("\(i + 1). (score \(String(format: "%.2f", trial.score))) \(short(promptText(trial), 1_000))")
            }
            lines.append("Write \(count) new system prompts that improve on the best ones. Keep what works in them.")
        } else {
            lines.append("Write \(count) different system prompts that would make the model call the right tool more often.")
        }
        lines.append("Each under 600 characters.")
        return lines.joined(separator: "\n")
    }

    /// The writer's prompts: a JSON object with a `prompts` list of strings (in a code fence
    /// or not), each trimmed, non-empty, at most `longestCandidate` characters, no repeats.
    static func prompts(in text: String) throws -> [String] {
        let object = try JudgeOutput.object(text)
        guard let list = object["prompts"]?.arrayValue else { throw JudgeError("invalid", "no \"prompts\" list in the writer's answer") }
        var out: [String] = []
        for item in list {
            guard let prompt = item.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !prompt.isEmpty,
                  prompt.count <= longestCandidate, !out.contains(prompt) else { continue }
            out.append(prompt)
        }
        guard !out.isEmpty else { throw JudgeError("invalid", "the writer's \"prompts\" list has no usable prompt") }
        return out
    }
}
