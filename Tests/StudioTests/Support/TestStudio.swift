import Foundation
import HostAuth
import HostConfig
import HostHTTP
import HostJobs
import HostTransport
import HostPlugins
import HostStorage
import Hummingbird
import HummingbirdTesting
import NIOCore
import StudioJSON
import Testing

/// A whole studio HTTP stack on a test database: the real routes, middleware, stores and
/// plugins, driven through Hummingbird's router test client (no socket needed).
struct TestStudio {
    let database: StudioDatabase
    let services: StudioServices
    let routes: RouteTable

    /// The shipped plugins built next to the test runner (openai, anthropic, gemini, toolcall).
    static let builtPlugins = PluginRegistry(searchPath: [.init(path: TestSupport.buildDirectory.path, prefixedOnly: true)])
    static let masterKey: [UInt8] = Array(0..<32)

    static func make(_ kind: TestDatabase, plugins: PluginRegistry = builtPlugins, seed: StudioConfig = .builtIn,
                     options: StudioServices.Options = .init()) async throws -> TestStudio {
        let database = try await kind.open()
        // Suites register many accounts from one address; SecurityTests sets its own limit.
        var options = options
        if options.registrationsPerHour == StudioServices.Options().registrationsPerHour { options.registrationsPerHour = 100_000 }
        // Cost 4 keeps suites fast; the cost rule itself is tested in AccessTokenTests.
        let accounts = AccountService(database: database, signer: try await AccessTokenSigner.make(secret: Array(repeating: 3, count: 32)),
                                      hasher: PasswordHasher(cost: 4))
        let services = StudioServices(database: database, accounts: accounts,
                                      vault: try KeyVault(database: database, masterKey: masterKey),
                                      plugins: plugins, seed: seed, options: options)
        return TestStudio(database: database, services: services, routes: buildRoutes(services))
    }

    var app: some ApplicationProtocol { Application(router: routes.router) }

    /// Runs queued jobs until `close`.
    func startRunner() -> Task<Void, Never> {
        let runner = services.runner
        return Task { await runner.run() }
    }

    func close(runner: Task<Void, Never>? = nil) async {
        if let runner {
            runner.cancel()
            services.runner.stop()
            await runner.value
        }
        try? await services.transport.shutdown()
        await database.close()
    }
}

/// Helpers for a test client session.
/// One Server-Sent Event as a client reads it.
struct SSEFrame: Equatable {
    var id: Int?
    var event: String
    var data: JSONValue
}

enum SSE {
    /// The frames of an event-stream body (comments dropped).
    static func parse(_ text: String) -> [SSEFrame] {
        text.components(separatedBy: "\n\n").compactMap { block -> SSEFrame? in
            var id: Int?, event = "message", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
                else if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                else if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty else { return nil }
            return SSEFrame(id: id, event: event, data: (try? JSONParser.parse(data)) ?? .string(data))
        }
    }
}

extension TestClientProtocol {
    /// Registers and returns the access token.
    func register(_ email: String, password: String = "long enough pass") async throws -> String {
        let body: JSONValue = ["email": .string(email), "password": .string(password)]
        let r = try await execute(uri: "/api/auth/register", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body.jsonString))
        #expect(r.status == .created, "register \(email): \(String(buffer: r.body))")
        return try #require(try JSONParser.parse(String(buffer: r.body))["access_token"]?.stringValue)
    }

    /// A JSON request with a bearer token; returns status and parsed body (.null when empty).
    func call(_ method: HTTPRequest.Method, _ uri: String, token: String?, json: JSONValue? = nil,
              raw: String? = nil) async throws -> (status: HTTPResponse.Status, body: JSONValue, response: TestResponse) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        let payload = raw ?? json?.jsonString
        let response = try await execute(uri: uri, method: method, headers: headers, body: payload.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        return (response.status, text.isEmpty ? .null : ((try? JSONParser.parse(text)) ?? .string(text)), response)
    }
}
