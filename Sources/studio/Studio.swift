import ArgumentParser
import Foundation
import HostJobs
import HostPlugins
import HostStorage

/// `studio`: one binary for the server, the benchmarks and the plugin tools.
/// Exit codes (docs/cli.md): 0 success, 1 failure, 2 usage error.
@main
struct Studio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio",
        abstract: "LLM Benchmark Studio: measure LLM providers and score tool calling.",
        version: "0.1.0",
        subcommands: [Serve.self, Bench.self, Load.self, Eval.self, Models.self, ProvidersCommand.self, ConfigCommand.self, Suites.self, Tune.self, Simulate.self, PluginsCommand.self, Score.self, Keys.self, Admin.self])

    static func main() async {
        // The hidden plugin runner (spawned by the host, never typed by a user) starts
        // before anything else, while the process still has one thread, which the
        // sandbox it applies to itself requires.
        if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "plugin-runner" {
            Foundation.exit(PluginRunnerServer.main(arguments: Array(CommandLine.arguments.dropFirst(2))))
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // ArgumentParser's usage errors exit 64; the studio promises 2.
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Prints to standard error (diagnostics never mix with --json output on stdout).
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Options every command that loads plugins shares.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugins"), help: "A folder to search for plugins first (repeatable).")
    var folders: [String] = []

    @Option(name: .customLong("data"), help: "The data folder (its plugins/ subfolder is searched).")
    var dataDirectory: String = "data"
}

extension PluginOptions {
    /// The plugins this command may use, under the trust policy `serve` applies: the
    /// checksums recorded at install and the admins' decisions, from the studio database
    /// when there is one (without one nothing counts as installed, so <data>/plugins loads
    /// nothing). Prints what was refused to standard error.
    func trustedRegistry(quiet: Bool = false) async throws -> PluginRegistry {
        var policy = PluginTrustPolicy()
        let environment = ProcessInfo.processInfo.environment
        if environment["STUDIO_DATABASE_URL"] != nil || FileManager.default.fileExists(atPath: dataDirectory + "/studio.db") {
            let database = try await openStudioDatabase(dataDirectory: dataDirectory)
            policy = try await PluginTrustPolicy.read(from: database)
            await database.close()
        }
        let registry = PluginRegistry(searchPath: PluginRegistry.searchPath(explicit: folders, dataDirectory: dataDirectory), policy: policy)
        if !quiet {
            for failure in registry.failures { printError("plugin refused: \(failure)") }
        }
        return registry
    }
}

/// Writes a line to standard output unbuffered (a line a parent process waits for).
func printFlushed(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The studio database named by STUDIO_DATABASE_URL or in the data folder, migrated.
/// Prints the reason and exits 1 when it cannot be opened.
func openStudioDatabase(dataDirectory: String) async throws -> StudioDatabase {
    do {
        let database = try await StudioDatabase.open(ProcessInfo.processInfo.environment["STUDIO_DATABASE_URL"] ?? dataDirectory + "/studio.db")
        try await Migrations.run(on: database)
        return database
    } catch {
        printError("cannot open the database: \(error)")
        throw ExitCode.failure
    }
}
