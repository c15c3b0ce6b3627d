import ArgumentParser
import HostPlugins
import HostSimulator

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the provider simulator (OpenAI, Anthropic and Gemini wire formats) on its own.",
        discussion: "Model names and X-Sim-* headers choose timing, tool behaviour and faults: see docs/simulator.md.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8090
    @Option(help: "Also list this model in /v1/models (repeatable; any name is served anyway).") var model: [String] = []
    @Option(help: ArgumentHelp("Serve the recorded responses in this folder (an index.json per folder, read recursively) to models named replay-<id> (repeatable).",
                               valueName: "dir")) var replay: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        let captures: CaptureLibrary
        do { captures = try CaptureLibrary(folders: replay) } catch { throw ValidationError("--replay: \(error)") }
        let simulator = try await EmbeddedSimulator.start(host: host, port: port, listing: model, captures: captures)
        // The first line of standard output is the base URL, for scripts and tests.
        printFlushed("simulator listening on \(simulator.baseURL)")
        if !replay.isEmpty { printFlushed("replaying \(captures.captures.count) captures to models named replay-<id>") }
        try await simulator.wait()
    }
}
