import Foundation
import HostProviderCalls
import HostSimulator
import StudioJSON
import Testing

/// Gemini on Vertex AI: the host turns a service account's JSON key into an RS256 JWT
/// (checked by OpenSSL's own verifier), exchanges it at the key's token_uri for an access
/// token (once for many calls), and sends that as the bearer; the simulator's Vertex route
/// answers only such a token. Failures are auth_failed in words, and the key never shows.
@Suite(.serialized) struct GoogleVertexTests {
    /// A service account key as Google issues it: PKCS#8 PEM made by OpenSSL.
    static func serviceAccount(tokenURI: String, in dir: URL) throws -> (json: String, publicKey: URL) {
        let key = dir.appendingPathComponent("sa.pem"), pub = dir.appendingPathComponent("sa.pub.pem")
        let made = try TestSupport.run("/usr/bin/env", ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.path])
        try #require(made.status == 0, "openssl genpkey: \(made.stderr)")
        let exported = try TestSupport.run("/usr/bin/env", ["openssl", "pkey", "-in", key.path, "-pubout", "-out", pub.path])
        try #require(exported.status == 0, "\(exported.stderr)")
        let json: JSONValue = ["type": "service_account", "project_id": "bench-project", "private_key_id": "k1d",
                               "private_key": .string(try String(contentsOf: key, encoding: .utf8)),
                               "client_email": "bench@bench-project.iam.gserviceaccount.com", "token_uri": .string(tokenURI)]
        return (json.jsonString, pub)
    }

    @Test func theAssertionIsAnRS256JWTOpenSSLVerifies() throws {
        let dir = TestSupport.temporaryDirectory("vertex-jwt")
        let (json, publicKey) = try Self.serviceAccount(tokenURI: "https://oauth2.googleapis.com/token", in: dir)
        let account = try GoogleServiceAccount(json: json)
        let now = Date(timeIntervalSince1970: 1_767_323_045)
        let jwt = try account.assertion(scope: "https://www.googleapis.com/auth/cloud-platform", now: now)
        let parts = jwt.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        func decode(_ part: String) throws -> Data {
            var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while text.count % 4 != 0 { text += "=" }
            return try #require(Data(base64Encoded: text))
        }
        let header = try JSONParser.parse(bytes: Array(try decode(parts[0])))
        let claims = try JSONParser.parse(bytes: Array(try decode(parts[1])))
        #expect(header == ["alg": "RS256", "typ": "JWT", "kid": "k1d"])
        #expect(claims["iss"] == "bench@bench-project.iam.gserviceaccount.com" && claims["aud"] == "https://oauth2.googleapis.com/token")
        #expect(claims["scope"] == "https://www.googleapis.com/auth/cloud-platform")
        #expect(claims["iat"] == 1_767_323_045 && claims["exp"] == 1_767_326_645, "valid for one hour")
        // OpenSSL checks the PKCS#1 v1.5 SHA-256 signature over "header.claims".
        let data = dir.appendingPathComponent("signed"), signature = dir.appendingPathComponent("signature")
        try Data((parts[0] + "." + parts[1]).utf8).write(to: data)
        try decode(parts[2]).write(to: signature)
        let verified = try TestSupport.run("/usr/bin/env", ["openssl", "dgst", "-sha256", "-verify", publicKey.path, "-signature", signature.path, data.path])
        #expect(verified.status == 0 && verified.stdout.contains("Verified OK"), "\(verified.stdout)\(verified.stderr)")
        try Data("tampered".utf8).write(to: data)
        let refused = try TestSupport.run("/usr/bin/env", ["openssl", "dgst", "-sha256", "-verify", publicKey.path, "-signature", signature.path, data.path])
        #expect(refused.status != 0, "the check can fail")

        #expect(throws: GoogleServiceAccount.Invalid.self) { try GoogleServiceAccount(json: #"{"type":"authorized_user"}"#) }
        #expect(throws: GoogleServiceAccount.Invalid.self) {
            try GoogleServiceAccount(json: #"{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"}"#)
        }
    }

    /// `studio bench` and `studio eval` with a service account against the simulator's
    /// Vertex route: one token exchange for every call, TTFT on the simulator's schedule;
    /// a broken key, a refused exchange and a raw token are auth_failed, in words.
    @Test func benchmarksThroughOneTokenExchange() async throws {
        let simulator = try await EmbeddedSimulator.start()
        defer { Task { await simulator.stop() } }
        let dir = TestSupport.temporaryDirectory("vertex-bench")
        let (json, _) = try Self.serviceAccount(tokenURI: simulator.baseURL + "/token", in: dir)
        let base = simulator.baseURL + "/v1/projects/bench-project/locations/us-central1"
        var environment = ProcessInfo.processInfo.environment
        environment["SA_JSON"] = json
        environment["BROKEN_JSON"] = #"{"type":"service_account","client_email":"x@y"}"#
        environment["REFUSED_JSON"] = json.replacingOccurrences(of: simulator.baseURL + "/token", with: simulator.baseURL + "/sim/no-such-token-endpoint")
        environment["RAW_TOKEN"] = "ya29.a0AfH6SMBexample"
        func bench(_ variable: String, runs: Int = 1) throws -> (JSONValue, String) {
            let result = try TestSupport.run("/bin/sh", ["-c", "cd '\(dir.path)' && exec \"$0\" \"$@\"", TestSupport.studioExecutable, "bench",
                                                         "--provider", "vertex", "--base-url", base, "--api-key-env", variable,
                                                         "--model", "sim-ttft30-gap4-tok12", "--runs", String(runs), "--no-warmup", "--json"],
                                             environment: environment)
            return ((try? JSONParser.parse(result.stdout)) ?? .null, result.stdout + result.stderr)
        }

        let (good, output) = try bench("SA_JSON", runs: 3)
        let runs = good["runs"]?.arrayValue ?? []
        #expect(runs.count == 3, "\(output)")
        for run in runs {
            #expect(run["ok"] == true && run["output_tokens"] == 12, "\(run)")
            let ttft = try #require(run["ttft_ms"]?.doubleValue)
            #expect(ttft >= 29.9 && ttft < 80, "ttft \(ttft): the exchange happens before the clock starts")
        }
        let exchanges = try SecretsEndToEndTests.curl(simulator.baseURL, "GET", "/sim/token-exchanges").json
        #expect(exchanges["count"] == 1, "one exchange for three calls: \(exchanges)")
        #expect(!output.contains("PRIVATE KEY"))

        for (variable, words) in [("BROKEN_JSON", "private_key is not an RSA private key"),
                                  ("REFUSED_JSON", "was refused (HTTP 404)"),
                                  ("RAW_TOKEN", "invalid authentication credentials")] {
            let (failed, text) = try bench(variable)
            let run = try #require(failed["runs"]?.arrayValue?.first, "\(text)")
            #expect(run["ok"] == false && run["error_class"] == "auth_failed", "\(variable): \(run)")
            #expect(run["error"]?.stringValue?.contains(words) == true, "\(variable): \(run)")
            #expect(!text.contains("PRIVATE KEY") && !text.contains("ya29.a0AfH6SMBexample"), "\(variable): no secret in the output")
        }

        // Models are added by id: listing says so in words.
        let listed = try TestSupport.run(TestSupport.studioExecutable, ["models", "--provider", "vertex", "--base-url", base,
                                                                       "--api-key-env", "SA_JSON"], environment: environment)
        #expect(listed.status == 1 && (listed.stdout + listed.stderr).contains("add them by id"), "\(listed.stdout)\(listed.stderr)")
    }
}
