import Foundation
import HostAuth
import StudioJSON
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `studio serve` as a user runs it (its own process, real sockets, SQLite in a data
/// folder), driven with curl, plus the admin commands. After a full flow, no secret
/// appears in the server's log, in any response, or in the database files.
@Suite(.serialized) struct SecretsEndToEndTests {
    struct Server {
        let process: Process
        let base: String
        let log: URL
    }

    /// The environment of a `studio serve` (or another command) that owns `folder`: its
    /// home, its master key, SQLite in its data folder and a generated JWT secret, whatever
    /// the test process itself was given.
    static func serveEnvironment(folder: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = folder.path
        environment["STUDIO_MASTER_KEY_FILE"] = folder.appendingPathComponent("keys/master.key").path
        environment["STUDIO_DATABASE_URL"] = nil
        environment["STUDIO_JWT_SECRET"] = nil
        environment["STUDIO_JWT_PREVIOUS_SECRET"] = nil
        return environment
    }

    static func startServe(folder: URL, environment: [String: String]) throws -> Server {
        let port = PostgresServer.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.studioExecutable)
        process.arguments = ["serve", "--port", String(port), "--data", folder.appendingPathComponent("data").path]
        process.environment = environment
        process.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let base = "http://127.0.0.1:\(port)"
        for _ in 0..<200 {
            if (try? curl(base, "GET", "/healthz").status) == 200 { return Server(process: process, base: base, log: log) }
            usleep(50_000)
        }
        process.terminate()
        throw CurlFailed(message: "studio serve did not answer: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    struct CurlFailed: Error { let message: String }

    struct Reply {
        let status: Int
        let headers: String
        let body: String
        var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
    }

    /// One request with curl; the reply's status line, headers and body.
    static func curl(_ base: String, _ method: String, _ path: String, token: String? = nil, body: String? = nil,
                     cookie: String? = nil) throws -> Reply {
        var arguments = ["-s", "-i", "-X", method, base + path, "-H", "Content-Type: application/json", "--max-time", "20"]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        if let cookie { arguments += ["-H", "Cookie: \(cookie)"] }
        if let body { arguments += ["--data-binary", body] }
        let result = try TestSupport.run("/usr/bin/curl", arguments)
        let text = result.stdout
        guard let split = text.range(of: "\r\n\r\n") else { throw CurlFailed(message: "no reply for \(method) \(path): \(result.stderr)") }
        let head = String(text[..<split.lowerBound])
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return Reply(status: status, headers: head, body: String(text[split.upperBound...]))
    }

    static func cookie(_ reply: Reply) -> String? {
        reply.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }
            .flatMap { $0.dropFirst("set-cookie:".count).split(separator: ";").first }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Rotating STUDIO_JWT_SECRET as an operator does (docs/security.md): restart with the
    /// new secret and the old one as STUDIO_JWT_PREVIOUS_SECRET; a token from before still
    /// works, new tokens carry the new key id; without the previous secret the old token ends.
    @Test func rotatingTheJWTSecretLogsNobodyOut() throws {
        let folder = TestSupport.temporaryDirectory("jwt-rotation")
        var environment = Self.serveEnvironment(folder: folder)
        let old = "old-secret-0123456789-0123456789-abcdef", new = "new-secret-0123456789-0123456789-abcdef"
        environment["STUDIO_JWT_SECRET"] = old
        var server = try Self.startServe(folder: folder, environment: environment)
        let registered = try Self.curl(server.base, "POST", "/api/auth/register", body: #"{"email":"ann@example.com","password":"ann-Pa55word-long"}"#)
        let token = try #require(registered.json["access_token"]?.stringValue)
        server.process.terminate()
        server.process.waitUntilExit()

        environment["STUDIO_JWT_SECRET"] = new
        environment["STUDIO_JWT_PREVIOUS_SECRET"] = old
        server = try Self.startServe(folder: folder, environment: environment)
        #expect(try Self.curl(server.base, "GET", "/api/auth/me", token: token).status == 200, "the old token still works")
        let login = try Self.curl(server.base, "POST", "/api/auth/login", body: #"{"email":"ann@example.com","password":"ann-Pa55word-long"}"#)
        let fresh = try #require(login.json["access_token"]?.stringValue)
        let header = try JSONParser.parse(bytes: try #require(Base64URL.decode(String(fresh.split(separator: ".")[0]))))
        #expect(header["kid"]?.stringValue == AccessTokenSigner.keyID(of: Array(new.utf8)))
        #expect(try Self.curl(server.base, "GET", "/api/auth/me", token: fresh).status == 200)
        server.process.terminate()
        server.process.waitUntilExit()

        environment["STUDIO_JWT_PREVIOUS_SECRET"] = nil
        server = try Self.startServe(folder: folder, environment: environment)
        defer { server.process.terminate(); server.process.waitUntilExit() }
        #expect(try Self.curl(server.base, "GET", "/api/auth/me", token: token).status == 401, "the old secret is gone")
        #expect(try Self.curl(server.base, "GET", "/api/auth/me", token: fresh).status == 200)
        // A previous secret shorter than 32 characters is refused at start, naming the variable.
        environment["STUDIO_JWT_PREVIOUS_SECRET"] = "short"
        let refused = try TestSupport.run(TestSupport.studioExecutable, ["serve", "--port", "1", "--data", folder.appendingPathComponent("data").path],
                                          environment: environment)
        #expect(refused.status != 0 && refused.stderr.contains("STUDIO_JWT_PREVIOUS_SECRET"), "\(refused.stderr)")
    }

    @Test func noSecretAppearsInLogsResponsesOrTheDatabaseFiles() throws {
        let folder = TestSupport.temporaryDirectory("secrets-e2e")
        let environment = Self.serveEnvironment(folder: folder)
        let studio = TestSupport.studioExecutable
        let data = folder.appendingPathComponent("data").path
        let rootPassword = "root-Pa55word-never-logged"

        // `studio admin create`: usage errors exit 2, a duplicate exits 1.
        #expect(try TestSupport.run(studio, ["admin", "create", "--email", "root@example.com", "--data", data], environment: environment).status == 2)
        let created = try TestSupport.run(studio, ["admin", "create", "--email", "root@example.com", "--password-stdin", "--data", data],
                                          stdin: rootPassword + "\n", environment: environment)
        #expect(created.status == 0, "\(created.stderr)")
        let again = try TestSupport.run(studio, ["admin", "create", "--email", "root@example.com", "--password-stdin", "--data", data],
                                        stdin: rootPassword + "\n", environment: environment)
        #expect(again.status == 1 && again.stderr.contains("exists"))
        #expect(try TestSupport.run(studio, ["admin", "create", "--email", "x@example.com", "--password-stdin", "--data", data],
                                    stdin: "short\n", environment: environment).status == 1)

        let server = try Self.startServe(folder: folder, environment: environment)
        defer { server.process.terminate(); server.process.waitUntilExit() }
        var replies: [Reply] = []
        func call(_ method: String, _ path: String, token: String? = nil, body: String? = nil, cookie: String? = nil) throws -> Reply {
            let reply = try Self.curl(server.base, method, path, token: token, body: body, cookie: cookie)
            replies.append(reply)
            return reply
        }

        let apiKey = "sk-live-SECRETKEY-abcdef1234567890"
        let alicePassword = "alice-Pa55word-never-logged"
        let rootLogin = try call("POST", "/api/auth/login", body: #"{"email":"root@example.com","password":"\#(rootPassword)"}"#)
        #expect(rootLogin.status == 200)
        #expect(rootLogin.json["user"]?["role"] == "admin")
        let root = try #require(rootLogin.json["access_token"]?.stringValue)
        let register = try call("POST", "/api/auth/register", body: #"{"email":"alice@example.com","password":"\#(alicePassword)"}"#)
        #expect(register.status == 201)
        #expect(register.json["user"]?["role"] == "user")
        let alice = try #require(register.json["access_token"]?.stringValue)
        let refreshCookie = try #require(Self.cookie(register))
        #expect(try call("PUT", "/api/keys/sim-openai", token: alice, body: #"{"api_key":"\#(apiKey)"}"#).status == 200)
        let cli = try #require(try call("POST", "/api/auth/cli-tokens", token: alice, body: #"{"name":"laptop"}"#).json["token"]?.stringValue)
        #expect(try call("GET", "/api/auth/me", token: cli).status == 200)
        let refreshed = try call("POST", "/api/auth/refresh", cookie: refreshCookie)
        #expect(refreshed.status == 200)
        let newCookie = try #require(Self.cookie(refreshed))
        // Bad requests that carry secrets must not echo them.
        #expect(try call("GET", "/api/auth/me", token: apiKey).status == 401)
        #expect(try call("PUT", "/api/keys/bad%20id", token: alice, body: #"{"api_key":"\#(apiKey)"}"#).status == 400)
        #expect(try call("PUT", "/api/keys/sim-openai", token: alice, body: #"{"api_key":"\#(apiKey)" "#).status == 400)
        #expect(try call("PUT", "/api/keys/sim-openai", token: alice, body: #"{"api_key":"\#(apiKey)", "extra": "\#(apiKey)"}"#).status == 400)
        #expect(try call("POST", "/api/auth/login", body: #"{"email":"alice@example.com","password":"\#(alicePassword)x"}"#).status == 401)
        #expect(try call("POST", "/api/auth/password", token: alice, body: #"{"current_password":"\#(alicePassword)x","new_password":"\#(apiKey)"}"#).status == 400)
        let export = try call("GET", "/api/settings/export", token: alice)
        #expect(export.status == 200)
        #expect(try call("GET", "/api/admin/audit", token: root).status == 200)
        #expect(try call("GET", "/api/openapi.json").status == 200)

        // `studio admin reset-password` while the server runs: alice's sessions and CLI token end.
        let reset = try TestSupport.run(studio, ["admin", "reset-password", "--email", "alice@example.com", "--data", data],
                                        stdin: "a-brand-new-long-password\n", environment: environment)
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(try call("GET", "/api/auth/me", token: cli).status == 401)
        #expect(try call("POST", "/api/auth/refresh", cookie: newCookie).status == 401)
        #expect(try call("POST", "/api/auth/login", body: #"{"email":"alice@example.com","password":"a-brand-new-long-password"}"#).status == 200)
        #expect(try TestSupport.run(studio, ["admin", "reset-password", "--email", "nobody@example.com", "--data", data],
                                    stdin: "a-brand-new-long-password\n", environment: environment).status == 1)

        server.process.interrupt()
        server.process.waitUntilExit()

        let masterKey = try String(contentsOfFile: environment["STUDIO_MASTER_KEY_FILE"]!, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let jwtSecret = try Data(contentsOf: URL(fileURLWithPath: data + "/jwt.secret"))
        var secrets = [apiKey, "SECRETKEY", rootPassword, alicePassword, "a-brand-new-long-password", root, alice, cli, masterKey,
                       String(refreshCookie.split(separator: "=", maxSplits: 1)[1]), String(newCookie.split(separator: "=", maxSplits: 1)[1])]
        secrets.append(String(decoding: jwtSecret, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        let log = try String(contentsOf: server.log, encoding: .utf8)
        var haystacks: [(String, String)] = [("server log", log), ("admin create output", created.stdout + created.stderr),
                                            ("reset output", reset.stdout + reset.stderr)]
        for (i, reply) in replies.enumerated() {
            // The tokens a route exists to hand out are allowed in its own reply.
            haystacks.append(("reply \(i)", reply.headers + reply.body))
        }
        for file in (try FileManager.default.contentsOfDirectory(atPath: data)) where file.hasPrefix("studio.db") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: data + "/" + file))
            haystacks.append((file, String(decoding: bytes, as: UTF8.self)))
        }
        let handedOut = Set([root, alice, cli, String(refreshCookie.split(separator: "=", maxSplits: 1)[1]),
                             String(newCookie.split(separator: "=", maxSplits: 1)[1])])
        for (name, text) in haystacks {
            for secret in secrets where secret.count >= 8 && text.contains(secret) {
                if name.hasPrefix("reply"), handedOut.contains(secret) { continue }
                Issue.record("a secret (\(secret.prefix(6))…) appears in \(name)")
            }
        }
        #expect(export.body.contains("simulator") && !export.body.contains("sk-live"))
        try? FileManager.default.removeItem(at: folder)
    }
}
