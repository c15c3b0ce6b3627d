import Foundation
import HostAuth
import HostConfig
import HostHTTP
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
        // Cost 4 keeps suites fast; the cost rule itself is tested in AccessTokenTests.
        let accounts = AccountService(database: database, signer: try AccessTokenSigner(secret: Array(repeating: 3, count: 32)),
                                      hasher: PasswordHasher(cost: 4))
        let services = StudioServices(database: database, accounts: accounts,
                                      vault: try KeyVault(database: database, masterKey: masterKey),
                                      plugins: plugins, seed: seed, options: options)
        return TestStudio(database: database, services: services, routes: buildRoutes(services))
    }

    var app: some ApplicationProtocol { Application(router: routes.router) }

    func close() async { await database.close() }
}

/// Helpers for a test client session.
extension TestClientProtocol {
    /// Registers and returns the access token.
    func register(_ email: String, password: String = "long enough pass") async throws -> String {
        let body: JSONValue = ["email": .string(email), "password": .string(password)]
        let r = try await execute(uri: "/api/auth/register", method: .post, body: ByteBuffer(string: body.jsonString))
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
