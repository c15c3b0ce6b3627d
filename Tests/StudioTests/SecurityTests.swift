import Foundation
import HostAuth
import HostBenchmark
import HostConfig
import HostHTTP
import HostJobs
import HostMeasurement
import HostSecurity
import HostStorage
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import StudioJSON
import Testing

/// The holes an attacker found (issue 20), each with the test that failed before its fix.
@Suite(.serialized) struct SecurityTests {
    // MARK: 1. No request reaches a trapping conversion

    @Test func absurdLoadNumbersAre400sNamingTheField() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            func submit(_ extra: JSONObject) async throws -> (HTTPResponse.Status, String) {
                var body: JSONObject = ["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128", "requests": 2]
                for (k, v) in extra { body[k] = v }
                let r = try await client.call(.post, "/api/loadtests", token: ada, json: .object(body))
                return (r.status, r.body["error"]?["message"]?.stringValue ?? "")
            }
            // The request that killed the server, and its neighbours.
            for rate in ["1e-300", "1e-11", "0.001", "1e400", "-1"] {
                let r = try await client.call(.post, "/api/loadtests", token: ada,
                                              raw: #"{"provider":"sim-openai","model":"sim-ttft80-gap10-tok128","rate":[\#(rate)]}"#)
                #expect(r.status == .badRequest, "rate \(rate): \(r.body)")
                #expect(r.body["error"]?["message"]?.stringValue?.hasPrefix("rate") == true, "rate \(rate): \(r.body)")
            }
            // A level that would last years is refused with the arithmetic.
            let (status, message) = try await submit(["rate": [0.01], "requests": 1_000_000])
            #expect(status == .badRequest && message.contains("days"), "\(message)")
            for (field, value) in [("duration_s", JSONValue.double(0.001)), ("seed", .double(1e300)), ("slo", ["ttft_ms": 1e300])] {
                let (status, message) = try await submit([field: value])
                #expect(status == .badRequest && message.hasPrefix(field), "\(field): \(message)")
            }
            for temperature in [1000.0, 1e300] {
                let r = try await client.call(.post, "/api/benchmarks", token: ada,
                                              json: ["targets": [["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128"]],
                                                     "temperature": .double(temperature)])
                #expect(r.status == .badRequest, "temperature \(temperature): \(r.body)")
            }
            // The server is alive and the user's data intact.
            #expect(try await client.call(.get, "/api/auth/me", token: ada).status == .ok)
        }
        await studio.close()
    }

    /// A load test queued with yesterday's bounds (a stored row) fails with its reason at
    /// start instead of reaching the engine; the runner goes on.
    @Test func aStoredLoadTestBeyondTheBoundsFailsWithItsReason() async throws {
        let studio = try await TestStudio.make(.sqlite)
        let runner = studio.startRunner()
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let me = try await client.call(.get, "/api/auth/me", token: ada).body["id"]?.stringValue ?? ""
            let job = try await studio.services.jobStore.submit(
                userID: me, kind: "loadtest", request: #"{"provider":"sim-openai","model":"sim-ttft80-gap10-tok128","rate":[1e-300],"requests":2}"#,
                queue: true, defaults: studio.services.options.jobLimits)
            studio.services.runner.nudge()
            var state = ""
            for _ in 0..<100 {
                state = try await studio.services.jobStore.find(id: job.id, userID: me)?.state ?? ""
                if JobRecord.terminalStates.contains(state) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let record = try await studio.services.jobStore.find(id: job.id, userID: me)
            #expect(state == "failed" && record?.error?.contains("no longer valid") == true, "\(state) \(record?.error ?? "")")
        }
        await studio.close(runner: runner)
    }

    @Test func saturatingConversionsNeverTrap() {
        #expect(Saturating.nanoseconds(seconds: 1e300) == .max)
        #expect(Saturating.nanoseconds(seconds: .infinity) == .max)
        #expect(Saturating.nanoseconds(seconds: -.infinity) == 0)
        #expect(Saturating.nanoseconds(seconds: .nan) == 0)
        #expect(Saturating.nanoseconds(seconds: -5) == 0)
        #expect(Saturating.nanoseconds(seconds: 1.5) == 1_500_000_000)
        #expect(Saturating.nanoseconds(milliseconds: 2) == 2_000_000)
        #expect(Saturating.int(1e300) == .max && Saturating.int(-1e300) == .min && Saturating.int(.nan) == 0 && Saturating.int(-2.7) == -2)
        #expect(Saturating.add(UInt64.max - 1, 5) == .max && Saturating.add(Int.max, 1) == .max && Saturating.add(Int.min, -1) == .min)
    }

    // MARK: 2–4. Keys: one identifier, only the caller's providers, globals bound to the admin's endpoint

    @Test func keysAreStoredForTheCallersProvidersBySlugOrId() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            _ = try await client.register("root@example.com")
            let ada = try await client.register("ada@example.com")
            let bob = try await client.register("bob@example.com")
            let adaID = try await client.call(.get, "/api/auth/me", token: ada).body["id"]?.stringValue ?? ""
            let providers = try await client.call(.get, "/api/providers", token: ada).body["providers"]?.arrayValue ?? []
            let sim = try #require(providers.first { $0["slug"]?.stringValue == "sim-openai" })
            let id = try #require(sim["id"]?.stringValue)
            // By id (what GET /api/providers lists): stored under the slug, so a job sends it.
            let put = try await client.call(.put, "/api/keys/\(id)", token: ada, json: ["api_key": "sk-ada-by-id-1234"])
            #expect(put.status == .ok && put.body["provider_id"]?.stringValue == "sim-openai")
            let config = try await UserConfiguration(providers: studio.services.providers, vault: studio.services.vault)
                .config(userID: adaID, request: .single(provider: "sim-openai", model: "sim-ttft80-gap10-tok128"))
            let keys = try await UserConfiguration(providers: studio.services.providers, vault: studio.services.vault)
                .keys(userID: adaID, for: config)
            #expect(keys["sim-openai"] == "sk-ada-by-id-1234")
            // Anything that is not one of the caller's providers is 404 and stores nothing.
            #expect(try await client.call(.put, "/api/keys/no-such-provider", token: ada, json: ["api_key": "sk-nothing-0000"]).status == .notFound)
            #expect(try await client.call(.put, "/api/keys/\(id)", token: bob, json: ["api_key": "sk-bob-into-ada"]).status == .notFound)
            #expect(try await client.call(.delete, "/api/keys/\(id)", token: bob).status == .notFound)
            let bobKeys = try await client.call(.get, "/api/keys", token: bob).body["keys"]?.arrayValue ?? []
            #expect(bobKeys.isEmpty, "\(bobKeys)")
            // Ada deletes by id too.
            #expect(try await client.call(.delete, "/api/keys/\(id)", token: ada).status == .noContent)
        }
        await studio.close()
    }

    @Test func aGlobalKeyGoesOnlyToTheAdminsEndpoint() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let root = try await client.register("root@example.com")
            let bob = try await client.register("bob@example.com")
            let bobID = try await client.call(.get, "/api/auth/me", token: bob).body["id"]?.stringValue ?? ""
            let set = try await client.call(.put, "/api/admin/keys/sim-openai", token: root, json: ["api_key": "sk-admin-global-7777"])
            #expect(set.status == .ok && set.body["bound_to"]?["plugin"]?.stringValue == "openai", "\(set.body)")
            #expect(try await client.call(.put, "/api/admin/keys/nothing-here", token: root, json: ["api_key": "sk-admin-global-7777"]).status == .notFound)
            let configuration = UserConfiguration(providers: studio.services.providers, vault: studio.services.vault)
            func bobsKey() async throws -> String? {
                let config = try await configuration.config(userID: bobID, request: .single(provider: "sim-openai", model: "sim-ttft80-gap10-tok128"))
                return try await configuration.keys(userID: bobID, for: config)["sim-openai"]
            }
            // Bob's provider is the admin's definition: the fallback applies and is listed.
            #expect(try await bobsKey() == "sk-admin-global-7777")
            #expect(try await client.call(.get, "/api/keys", token: bob).body["keys"]?.arrayValue?.count == 1)
            // Bob points his provider of that slug elsewhere: the admin's key is never sent there.
            let provider = try #require(try await studio.services.providers.provider(userID: bobID, slug: "sim-openai"))
            _ = try await studio.services.providers.updateProvider(
                userID: bobID, id: provider.id,
                ProviderFields(slug: provider.slug, pluginID: provider.pluginID, baseURL: "http://203.0.113.9/v1", displayName: "mine"))
            #expect(try await bobsKey() == nil)
            #expect(try await client.call(.get, "/api/keys", token: bob).body["keys"]?.arrayValue?.isEmpty == true)
        }
        await studio.close()
    }

    // MARK: 5–6. Login throttling behind a proxy and under concurrency

    @Test func trustedProxiesNameTheClientAndNothingElseDoes() throws {
        let proxies = try TrustedProxies.parse(["10.0.0.0/8", "::1"]).get()
        // From a trusted proxy: the rightmost untrusted hop.
        #expect(proxies.client(peer: "10.1.2.3", forwarded: [], xForwardedFor: ["198.51.100.7, 10.0.0.5"], xForwardedProto: "https")
            == ("198.51.100.7", true))
        // A client's own forged header stays to the left of what the proxy appended.
        #expect(proxies.client(peer: "10.1.2.3", forwarded: [], xForwardedFor: ["1.1.1.1, 198.51.100.7"], xForwardedProto: nil).ip
            == "198.51.100.7")
        #expect(proxies.client(peer: "::1", forwarded: [#"for="[2001:db8::1]:4711";proto=http"#], xForwardedFor: [], xForwardedProto: nil)
            == ("2001:db8::1", false))
        // From anyone else the headers mean nothing.
        #expect(proxies.client(peer: "198.51.100.7", forwarded: [], xForwardedFor: ["10.9.9.9"], xForwardedProto: "https") == ("198.51.100.7", nil))
        #expect(TrustedProxies().client(peer: "10.1.2.3", forwarded: [], xForwardedFor: ["1.2.3.4"], xForwardedProto: nil).ip == "10.1.2.3")
        #expect(IPNetwork("10.0.0.0/8")?.contains("::ffff:10.2.3.4") == true && IPNetwork("10.0.0.0/33") == nil && IPNetwork("nope") == nil)
    }

    /// Behind a trusted proxy (the live server, peer 127.0.0.1): five wrong passwords for
    /// one account lock that account from that client only; another account's correct
    /// login through the same proxy, and another client's, go through.
    @Test func oneAccountsLockoutNeverBlocksAnotherBehindAProxy() async throws {
        var options = StudioServices.Options()
        options.trustedProxies = try TrustedProxies.parse(["127.0.0.1/32"]).get()
        let studio = try await TestStudio.make(.sqlite, options: options)
        try await buildApplication(host: "127.0.0.1", port: 0, services: studio.services).test(.live) { client in
            _ = try await client.register("victim@example.com", password: "victim long pass")
            _ = try await client.register("other@example.com", password: "other long pass")
            func login(_ email: String, _ password: String, from ip: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/auth/login", method: .post,
                                         headers: [.contentType: "application/json", .init("X-Forwarded-For")!: ip],
                                         body: ByteBuffer(string: #"{"email":"\#(email)","password":"\#(password)"}"#)).status
            }
            for _ in 0..<5 { #expect(try await login("victim@example.com", "wrong guess", from: "198.51.100.66") == .unauthorized) }
            #expect(try await login("victim@example.com", "victim long pass", from: "198.51.100.66") == .tooManyRequests)
            #expect(try await login("other@example.com", "other long pass", from: "198.51.100.66") == .ok)
            #expect(try await login("victim@example.com", "victim long pass", from: "198.51.100.1") == .ok)
            // The audit log records the client, not the proxy.
            let ips = try await studio.services.accounts.audit.search(action: "login.").compactMap(\.ip)
            #expect(ips.contains("198.51.100.66") && !ips.contains("127.0.0.1"), "\(ips)")
        }
        await studio.close()
    }

    @Test func twentySimultaneousWrongLoginsGetFivePasswordChecks() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            _ = try await client.register("c@example.com")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.call(.post, "/api/auth/login", token: nil, json: ["email": "c@example.com", "password": "wrong guess"]).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .unauthorized }.count == 5, "\(statuses)")
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 15)
        }
        await studio.close()
    }

    // MARK: 7. Access tokens end with logout, password change, role change and disabling

    @Test func accessTokensDieWithTheirSession() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let root = try await client.register("root@example.com")
            let register = try await client.call(.post, "/api/auth/register", token: nil, json: ["email": "t@example.com", "password": "first long pass"])
            let token = try #require(register.body["access_token"]?.stringValue)
            let cookie = try #require(register.response.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            #expect(try await client.call(.get, "/api/auth/me", token: token).status == .ok)
            // Logout: the access token stops working at once, not 15 minutes later.
            let logout = try await client.execute(uri: "/api/auth/logout", method: .post, headers: [.cookie: cookie])
            #expect(logout.status == .noContent)
            #expect(try await client.call(.get, "/api/auth/me", token: token).status == .unauthorized)
            // Password change.
            let login = try await client.call(.post, "/api/auth/login", token: nil, json: ["email": "t@example.com", "password": "first long pass"])
            let second = try #require(login.body["access_token"]?.stringValue)
            let change = try await client.call(.post, "/api/auth/password", token: second,
                                               json: ["current_password": "first long pass", "new_password": "second long pass"])
            #expect(change.status == .noContent)
            #expect(try await client.call(.get, "/api/auth/me", token: second).status == .unauthorized)
            // Role change and disabling, by the admin.
            let third = try #require(try await client.call(.post, "/api/auth/login", token: nil,
                                                             json: ["email": "t@example.com", "password": "second long pass"]).body["access_token"]?.stringValue)
            let id = try #require(try await client.call(.get, "/api/auth/me", token: third).body["id"]?.stringValue)
            // Saving what is already there ends nothing (the fuzzer found that it did).
            #expect(try await client.call(.put, "/api/admin/users/\(id)", token: root, json: ["role": "user", "disabled": false]).status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: third).status == .ok)
            #expect(try await client.call(.put, "/api/admin/users/\(id)", token: root, json: ["role": "admin"]).status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: third).status == .unauthorized)
            let fourth = try #require(try await client.call(.post, "/api/auth/login", token: nil,
                                                              json: ["email": "t@example.com", "password": "second long pass"]).body["access_token"]?.stringValue)
            #expect(try await client.call(.put, "/api/admin/users/\(id)", token: root, json: ["disabled": true]).status == .ok)
            #expect(try await client.call(.get, "/api/auth/me", token: fourth).status == .unauthorized)
        }
        await studio.close()
    }

    /// The account read for authentication is kept a second: a change made in this process
    /// holds on the next request, one made by another process (`studio admin`, another
    /// instance) within the second.
    @Test func theAuthenticationReadHoldsChangesAtOnceHereAndWithinASecondElsewhere() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let token = try await client.register("k@example.com")
            let accounts = studio.services.accounts
            let id = try #require(try await accounts.identify(bearer: token)).id
            try await accounts.users.bumpTokenVersion(id: id)
            #expect(try await accounts.identify(bearer: token) == nil, "this process: at once")
            let fresh = try #require(try await client.call(.post, "/api/auth/login", token: nil,
                                                          json: ["email": "k@example.com", "password": "long enough pass"]).body["access_token"]?.stringValue)
            #expect(try await accounts.identify(bearer: fresh) != nil)
            try await UserStore(database: studio.database).bumpTokenVersion(id: id)  // as `studio admin` would
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await accounts.identify(bearer: fresh) == nil, "another process: within a second")
        }
        await studio.close()
    }

    // MARK: 8. CSRF and content types

    @Test func cookieRoutesRefuseOtherSitesAndBodiesMustBeJSON() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let register = try await client.call(.post, "/api/auth/register", token: nil, json: ["email": "x@example.com", "password": "long enough pass"])
            let cookie = try #require(register.response.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            for headers: HTTPFields in [[.cookie: cookie, .origin: "https://evil.example"],
                                        [.cookie: cookie, .init("Sec-Fetch-Site")!: "cross-site"],
                                        [.cookie: cookie, .origin: "null"]] {
                let refresh = try await client.execute(uri: "/api/auth/refresh", method: .post, headers: headers)
                #expect(refresh.status == .forbidden, "\(headers)")
                #expect(try await client.execute(uri: "/api/auth/logout", method: .post, headers: headers).status == .forbidden)
            }
            // The studio's own page passes, even when a proxy in front rewrote Host.
            let own = try await client.execute(uri: "/api/auth/refresh", method: .post,
                                               headers: [.cookie: cookie, .init("Sec-Fetch-Site")!: "same-origin",
                                                         .origin: "https://studio.example.com"])
            #expect(own.status == .ok)
            // Form and text bodies (what another site can send without asking) are 415.
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let r = try await client.execute(uri: "/api/auth/login", method: .post, headers: [.contentType: type],
                                                 body: ByteBuffer(string: #"{"email":"x@example.com","password":"long enough pass"}"#))
                #expect(r.status == .unsupportedMediaType, "\(type)")
            }
            let noType = try await client.execute(uri: "/api/auth/register", method: .post,
                                                  body: ByteBuffer(string: #"{"email":"y@example.com","password":"long enough pass"}"#))
            #expect(noType.status == .unsupportedMediaType)
        }
        await studio.close()
    }

    // MARK: 9. Registration

    @Test func registrationModesInvitationsCommonPasswordsAndItsLimit() async throws {
        var options = StudioServices.Options()
        options.registrationsPerHour = 7
        let studio = try await TestStudio.make(.sqlite, options: options)
        try await studio.app.test(.router) { client in
            func register(_ email: String, _ password: String = "long enough pass", invite: String? = nil) async throws -> (HTTPResponse.Status, JSONValue) {
                var body: JSONObject = ["email": .string(email), "password": .string(password)]
                if let invite { body["invite"] = .string(invite) }
                let r = try await client.call(.post, "/api/auth/register", token: nil, json: .object(body))
                return (r.status, r.body)
            }
            // The first account is always possible, whatever the mode.
            let root = try #require(try await register("root@example.com").1["access_token"]?.stringValue)
            let common = try await register("c@example.com", "password")
            #expect(common.0 == .badRequest && common.1["error"]?["message"]?.stringValue?.contains("common") == true)
            #expect(try await client.call(.put, "/api/admin/registration", token: root, json: ["mode": "closed"]).status == .ok)
            #expect(try await client.call(.get, "/api/auth/registration", token: nil).body["mode"]?.stringValue == "closed")
            #expect(try await register("d@example.com").0 == .forbidden)
            #expect(try await client.call(.put, "/api/admin/registration", token: root, json: ["mode": "invite"]).status == .ok)
            let missing = try await register("d@example.com")
            #expect(missing.0 == .badRequest && missing.1["error"]?["code"]?.stringValue == "invalid_invite")
            let invite = try await client.call(.post, "/api/admin/invites", token: root, json: ["email": "d@example.com"])
            let code = try #require(invite.body["code"]?.stringValue)
            #expect(try await register("e@example.com", invite: code).0 == .forbidden, "an invitation for another email")
            #expect(try await register("d@example.com", invite: code).0 == .created)
            #expect(try await register("f@example.com", invite: code).0 == .forbidden, "used up")
            #expect(try await client.call(.get, "/api/admin/invites", token: root).body["invites"]?.arrayValue?.first?["used_at"] != .null)
            // Per address: the 8th attempt within the hour is refused with Retry-After.
            #expect(try await client.call(.put, "/api/admin/registration", token: root, json: ["mode": "open"]).status == .ok)
            let limited = try await register("g@example.com")
            #expect(limited.0 == .tooManyRequests, "\(limited.1)")
        }
        await studio.close()
    }

    // MARK: 10. Resource exhaustion

    @Test func bodiesOfMillionsOfValuesStopEarlyAndSuitesAreCapped() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            // 8 MB of `{}`: refused while parsing, long before building 2.7 million objects.
            let flood = "{\"name\":\"x\",\"cases\":[" + String(repeating: "{},", count: 2_700_000) + "{}]}"
            let started = MonotonicClock.now()
            let r = try await client.call(.post, "/api/suites", token: ada, raw: flood)
            #expect(r.status == .badRequest && r.body["error"]?["message"]?.stringValue?.contains("more than") == true, "\(r.body)")
            #expect(Double(MonotonicClock.now() - started) / 1e9 < 5)
            // BFCL import: 10,001 entries is over the cap of every suite.
            let lines = (0...10_000).map { #"{"id":"irrelevance_\#($0)","question":[[{"role":"user","content":"q"}]],"function":[{"name":"f","parameters":{"type":"dict","properties":{}}}]}"# }
            let big = try await client.call(.post, "/api/suites/import?format=bfcl", token: ada,
                                            json: ["questions": .string(lines.joined(separator: "\n")), "category": "irrelevance"])
            #expect(big.status == .contentTooLarge && big.body["error"]?["code"]?.stringValue == "too_many_cases", "\(big.status) \(big.body.jsonString.prefix(300))")
        }
        await studio.close()
    }

    /// A request whose body never arrives whole is cut off at the read deadline.
    @Test func aPartialBodyIsCutOffAtTheReadDeadline() async throws {
        var options = StudioServices.Options()
        options.requestReadTimeoutSeconds = 1
        let studio = try await TestStudio.make(.sqlite, options: options)
        try await buildApplication(host: "127.0.0.1", port: 0, services: studio.services).test(.live) { client in
            let port = try #require(client.port)
            let started = MonotonicClock.now()
            // Trickles a byte every 300 ms (each resets an idle timer, never the deadline).
            let closed = try RawClient.closedWhileTrickling(port: port, head: "POST /api/auth/login HTTP/1.1\r\nHost: x\r\n"
                                                                + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
                                                            gapMilliseconds: 300, maxSeconds: 8)
            let seconds = Double(MonotonicClock.now() - started) / 1e9
            #expect(closed && seconds < 4, "closed \(closed) after \(seconds) s")
        }
        await studio.close()
    }

    // MARK: 11. NUL and control characters

    @Test func nulAndControlCharactersAreRefusedNamingTheField() async throws {
        let studio = try await TestStudio.make(.sqlite)
        try await studio.app.test(.router) { client in
            let ada = try await client.register("ada@example.com")
            let lookalike = try await client.call(.post, "/api/auth/register", token: nil,
                                                  raw: #"{"email":"ada@example.com\u0000x","password":"long enough pass"}"#)
            #expect(lookalike.status == .badRequest && lookalike.body["error"]?["message"]?.stringValue?.hasPrefix("email") == true, "\(lookalike.body)")
            let nul = try await client.call(.post, "/api/auth/cli-tokens", token: ada, raw: #"{"name":"a\u0000b"}"#)
            #expect(nul.status == .badRequest && nul.body["error"]?["message"]?.stringValue?.hasPrefix("name") == true)
            let empty = try await client.call(.post, "/api/auth/cli-tokens", token: ada, raw: #"{"name":"\u0000"}"#)
            #expect(empty.status == .badRequest)
            let newline = try await client.call(.post, "/api/auth/cli-tokens", token: ada, raw: #"{"name":"two\nlines"}"#)
            #expect(newline.status == .badRequest && newline.body["error"]?["message"]?.stringValue?.contains("control characters") == true)
            // Deeper fields are named the way a user writes them.
            let deep = try await client.call(.post, "/api/benchmarks", token: ada,
                                             raw: #"{"targets":[{"provider":"sim-openai","model":"x\u0000"}]}"#)
            #expect(deep.body["error"]?["message"]?.stringValue?.hasPrefix("targets[0].model") == true, "\(deep.body)")
            #expect(try await client.call(.get, "/api/auth/cli-tokens", token: ada).body["tokens"]?.arrayValue?.isEmpty == true, "nothing stored")
        }
        await studio.close()
    }

    // MARK: 12. Files and endpoints

    @Test func theDatabaseAndItsFolderAreOwnerOnly() async throws {
        let folder = TestSupport.temporaryDirectory("perm").appendingPathComponent("data").path
        let database = try await StudioDatabase.open(folder + "/studio.db")
        try await Migrations.run(on: database)
        let fm = FileManager.default
        #expect((try fm.attributesOfItem(atPath: folder)[.posixPermissions] as? Int) == 0o700)
        for file in ["studio.db", "studio.db-wal"] where fm.fileExists(atPath: folder + "/" + file) {
            #expect((try fm.attributesOfItem(atPath: folder + "/" + file)[.posixPermissions] as? Int) == 0o600, "\(file)")
        }
        await database.close()
    }

    @Test func metricsNeedAnAdminOrTheMetricsTokenAndHealthSaysLittle() async throws {
        var options = StudioServices.Options(simulatorURL: "http://127.0.0.1:9")
        options.metricsToken = "scraper-token-0123456789"
        let studio = try await TestStudio.make(.sqlite, options: options)
        try await studio.app.test(.router) { client in
            let root = try await client.register("root@example.com")
            let user = try await client.register("user@example.com")
            #expect(try await client.call(.get, "/metrics", token: nil).status == .unauthorized)
            #expect(try await client.call(.get, "/metrics", token: user).status == .forbidden)
            #expect(try await client.call(.get, "/metrics", token: root).status == .ok)
            #expect(try await client.call(.get, "/metrics", token: "scraper-token-0123456789").status == .ok)
            // The metrics token proves nothing else.
            #expect(try await client.call(.get, "/api/auth/me", token: "scraper-token-0123456789").status == .unauthorized)
            let health = try await client.call(.get, "/healthz", token: nil).body
            #expect(health["status"]?.stringValue == "ok" && health["simulator"] == nil && health["plugins"] == nil, "\(health)")
        }
        await studio.close()
    }

    @Test func theRefreshCookieIsSecureAsConfigured() async throws {
        for (mode, proto, secure) in [(CookiePolicy.Secure.auto, nil, false), (.auto, "https", true), (.auto, "http", false),
                                      (.always, nil, true), (.never, "https", false)] as [(CookiePolicy.Secure, String?, Bool)] {
            var options = StudioServices.Options()
            options.cookieSecure = mode
            options.trustedProxies = try TrustedProxies.parse(["127.0.0.1"]).get()
            let studio = try await TestStudio.make(.sqlite, options: options)
            try await buildApplication(host: "127.0.0.1", port: 0, services: studio.services).test(.live) { client in
                var headers: HTTPFields = [.contentType: "application/json"]
                if let proto { headers[.init("X-Forwarded-Proto")!] = proto }
                let r = try await client.execute(uri: "/api/auth/register", method: .post, headers: headers,
                                                 body: ByteBuffer(string: #"{"email":"s@example.com","password":"long enough pass"}"#))
                let cookie = r.headers[.setCookie] ?? ""
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
                #expect(cookie.contains("; Secure") == secure, "\(mode) \(proto ?? "-"): \(cookie)")
            }
            await studio.close()
        }
    }
}

/// A client that writes a request by hand, for deadlines no HTTP client lets us break.
enum RawClient {
    /// Sends `head`, then one body byte every `gap` ms; true when the server closed the
    /// connection before `maxSeconds`.
    static func closedWhileTrickling(port: Int, head: String, gapMilliseconds: Int, maxSeconds: Double) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        var noSignal: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &noSignal, socklen_t(MemoryLayout<Int32>.size))
        _ = head.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        let start = MonotonicClock.now()
        while Double(MonotonicClock.now() - start) / 1e9 < maxSeconds {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, Int32(gapMilliseconds)) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return true }
                continue
            }
            if send(fd, "a", 1, Int32(MSG_NOSIGNAL)) < 0 { return true }
        }
        return false
    }
}
