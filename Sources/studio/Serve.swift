import ArgumentParser
import HostHTTP
import HostPlugins
import Hummingbird

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the studio server (HTTP API and dashboard).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @OptionGroup var plugins: PluginOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        let registry = PluginRegistry(searchPath: PluginRegistry.searchPath(explicit: plugins.folders, dataDirectory: plugins.dataDirectory))
        for failure in registry.failures { printError("plugin refused: \(failure)") }
        printError("studio \(StudioVersion.current): \(registry.plugins.count) plugins loaded; listening on http://\(host):\(port)")
        let app = buildApplication(host: host, port: port, plugins: registry)
        try await app.runService()
    }
}
