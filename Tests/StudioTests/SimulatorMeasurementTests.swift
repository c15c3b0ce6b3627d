import Foundation
import HostMeasurement
import HostPlugins
import HostProviderCalls
import HostSimulator
import HostTransport
import NIOCore
import StudioJSON
import Testing

/// Measurements against the simulator over real HTTP, checked against its ground truth.
@Suite(.serialized) struct SimulatorMeasurementTests {
    static let openAI = try! PluginLoader.load(path: TestSupport.openAIPath)
    /// The same library in its sandboxed runner: the host stamps reads at the socket, so
    /// an isolated decoder must measure exactly as well.
    static let isolatedOpenAI = try! PluginRegistry.loadIsolated(path: TestSupport.openAIPath, sha256: nil, origin: .explicit,
                                                                 policy: PluginTrustPolicy(), id: nil)

    func endpoint(_ simulator: EmbeddedSimulator, key: String? = "sk-test-secret-key-123456") throws -> ProviderEndpoint {
        ProviderEndpoint(provider: try Self.openAI.makeProvider(config: ["base_url": .string(simulator.baseURL + "/v1")]), apiKey: key)
    }

    func request(_ model: String, maxTokens: Int = 512) -> JSONValue {
        ["model": .string(model), "stream": true, "messages": [["role": "user", "content": "Tell me a story."]],
         "params": ["max_tokens": .int(Int64(maxTokens))]]
    }

    @Test(arguments: [false, true]) func ttftAndITLAgreeWithGroundTruthWithinOneMillisecond(isolated: Bool) async throws {
        let simulator = try SimulatorProcess()
        let transport = Transport()
        let plugin = isolated ? Self.isolatedOpenAI : Self.openAI
        #expect(plugin.isIsolated == isolated)
        let endpoint = ProviderEndpoint(provider: try plugin.makeProvider(config: ["base_url": .string(simulator.baseURL + "/v1")]),
                                        apiKey: "sk-test-secret-key-123456")
        var ttftErrors: [Double] = [], itlErrors: [Double] = []
        _ = await ProviderCall.stream(request("sim-ttft5-gap1-tok2"), to: endpoint, transport: transport)  // warm-up, as benchmarks do
        for run in 0..<20 {
            let record = await ProviderCall.stream(request("sim-ttft40-gap8-tok24"), to: endpoint, transport: transport)
            #expect(record.succeeded, "run \(run): \(String(describing: record.failure))")
            let requestID = try #require(record.serverRequestID)
            let truth = try await simulator.groundTruth(requestID)
            let metrics = record.metrics(prices: nil)
            let ttft = try #require(metrics.ttftMs)
            // Ground truth: wire receipt of the request → wire write of the first token, and
            // the mean gap between the first and last token writes.
            let received = try #require(truth["received_ns"]?.intValue)
            let tokenWrites = (truth["writes"]?.arrayValue ?? []).filter { ($0["tokens"]?.intValue ?? 0) > 0 }.compactMap { $0["at_ns"]?.intValue }
            #expect(tokenWrites.count == 24)
            let truthTTFT = Double(tokenWrites[0] - received) / 1e6
            let truthITL = Double(tokenWrites[23] - tokenWrites[0]) / 1e6 / 23
            ttftErrors.append(ttft - truthTTFT)
            itlErrors.append(try #require(metrics.itlMs) - truthITL)
            #expect(ttft >= 40, "TTFT counts from before the request left, so it is never below the schedule")
            #expect(metrics.outputTokens == 24 && !metrics.tokensEstimated)
            #expect(record.text == (0..<24).map(SimulatorText.token).joined())
        }
        // Every request within 1 ms. In a debug build (CI) unoptimised NIO sits on both
        // sides of the wire and the 2 cores are shared by the test, its decoder and the
        // debug simulator, so a request now and then is descheduled past 1 ms (measured:
        // typical error 0.4-0.6 ms, one or two of 20 at 1-2 ms, and once in a while one at
        // 10-15 ms when the VM deschedules a thread; with another build running on the same
        // 2 cores, 4 of 20 at 2.7-4.9 ms). There the bar is the median and three quarters of
        // requests within 1 ms: a systematic error (headers or a role chunk counted, a late
        // t0) moves every request and fails it. The release build is held to every
        // request, and `make bench-measure` reports p50/p99/max over hundreds.
        let ttftSorted = ttftErrors.map(abs).sorted(), itlSorted = itlErrors.map(abs).sorted()
        #if DEBUG
        let threeQuarters = ttftSorted.count * 3 / 4 - 1
        #expect(ttftSorted[ttftSorted.count / 2] < 1.0 && ttftSorted[threeQuarters] < 1.0, "TTFT errors (ms): \(ttftErrors)")
        #expect(itlSorted[itlSorted.count / 2] < 1.0 && itlSorted[threeQuarters] < 1.0, "ITL errors (ms): \(itlErrors)")
        #else
        #expect(ttftSorted.last! < 1.0, "TTFT errors (ms): \(ttftErrors)")
        #expect(itlSorted.last! < 1.0, "ITL errors (ms): \(itlErrors)")
        #endif
        try await transport.shutdown()
        await simulator.stop()
    }

    /// The clock sits at the byte even when the host is busy: reads are stamped with the
    /// kernel's arrival time, not when the event loop got round to them. The transport's
    /// only event loop is blocked for 30 ms around the first token's arrival; a stamp taken
    /// at the read would be ~15 ms late.
    @Test func readsAreStampedWhenTheirBytesArriveNotWhenTheyAreRead() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport(eventLoops: 1)
        let endpoint = try endpoint(simulator)
        _ = await ProviderCall.stream(request("sim-ttft1-gap1-tok2"), to: endpoint, transport: transport)  // connection up
        var errors: [Double] = []
        for _ in 0..<3 {
            // The first token is written 40 ms after the request arrives, the second at
            // 70 ms; the loop sleeps from about 25 to 55 ms. (A read that gathers several
            // packets is stamped with the last one's arrival: every byte had arrived by then.)
            transport.schedule(in: 25_000_000) { usleep(30_000) }
            let record = await ProviderCall.stream(request("sim-ttft40-gap30-tok2"), to: endpoint, transport: transport)
            let id = try #require(record.serverRequestID)
            let truth = try #require(simulator.log.record(id))
            let first = try #require(truth.firstTokenAt)
            let ttft = try #require(record.metrics(prices: nil).ttftMs)
            errors.append(ttft - Double(first - truth.receivedAt) / 1e6)
        }
        // Debug builds on 2 shared cores: one request may be disturbed; the median holds.
        #expect(errors.sorted()[1] < 3, "TTFT errors (ms) with a blocked event loop: \(errors)")
        try await transport.shutdown()
        await simulator.stop()
    }

    /// The simulator keeps at least its last `capacity` requests and drops old ones in
    /// batches of an eighth: dropping one per request, once full, moved the whole arrival
    /// order under the lock every write takes (a long-running simulator answered late).
    @Test func groundTruthIsDroppedInBatches() async throws {
        let simulator = try await EmbeddedSimulator.start(keeping: 16)
        defer { Task { await simulator.stop() } }
        let body = #"{"model":"sim-ttft0-gap0-tok1","messages":[{"role":"user","content":"x"}]}"#
        var ids: [String] = []
        for n in 1...18 {
            let reply = try SecretsEndToEndTests.curl(simulator.baseURL, "POST", "/v1/chat/completions", body: body)
            #expect(reply.status == 200)
            ids.append(try #require(simulator.log.records.last?.id))
            // 16 kept plus a slack of 2: the 18th request drops the 2 oldest at once.
            #expect(simulator.log.count == (n < 18 ? n : 16), "after \(n) requests")
        }
        #expect(simulator.log.records.map(\.id) == Array(ids.suffix(16)))
        #expect(simulator.log.record(ids[0]) == nil && simulator.log.record(ids[17]) != nil)
    }

    @Test func ttftIgnoresHeadersAndTheRoleOnlyChunk() async throws {
        // Headers and the role-only chunk arrive at once; the first token 120 ms later.
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        let record = await ProviderCall.stream(request("sim-ttft120-gap5-tok4"), to: try endpoint(simulator), transport: transport)
        let metrics = record.metrics(prices: nil)
        let headerMs = MonotonicClock.milliseconds(from: record.t0, to: try #require(record.headAt))
        #expect(headerMs < 60, "headers came early (\(headerMs) ms)")
        #expect(record.reads.first?.tokenEvents == 0, "the first read is the role-only chunk")
        #expect(try #require(metrics.ttftMs) >= 120)
        try await transport.shutdown()
        await simulator.stop()
    }

    @Test func severalEventsPerWriteAndSplitEventsAreCountedRight() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        let ep = try endpoint(simulator)
        let merged = await ProviderCall.stream(request("sim-ttft10-gap2-tok20-epw5"), to: ep, transport: transport)
        #expect(merged.succeeded)
        #expect(merged.reads.filter { $0.tokenEvents > 0 }.allSatisfy { $0.tokenEvents == 5 })
        #expect(merged.metrics(prices: nil).itlSamplesMs.allSatisfy { $0 > 0 }, "no 0 ms gaps from merged events")
        let split = await ProviderCall.stream(request("sim-ttft10-gap2-tok16-split"), to: ep, transport: transport)
        #expect(split.succeeded)
        #expect(split.text == (0..<16).map(SimulatorText.token).joined(), "UTF-8 split across reads decodes whole")
        try await transport.shutdown()
        await simulator.stop()
    }

    @Test(arguments: [("sim-fault429", "rate_limited"), ("sim-fault401", "auth_failed"), ("sim-fault500", "http_500"),
                      ("sim-faultdisconnect-tok20", "network"), ("sim-faultmalformed-tok10", "malformed_stream")])
    func faultsAreClassified(model: String, expected: String) async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        let record = await ProviderCall.stream(request(model + "-ttft5-gap1"), to: try endpoint(simulator), transport: transport)
        #expect(record.failure?.errorClass.description == expected, "\(String(describing: record.failure))")
        if expected == "rate_limited" { #expect(record.failure?.retryAfterSeconds == 2) }
        #expect(record.failure?.message.contains("sk-test-secret") == false)
        // The next request on the same transport still works.
        let next = await ProviderCall.stream(request("sim-ttft5-gap1-tok3"), to: try endpoint(simulator), transport: transport)
        #expect(next.succeeded)
        try await transport.shutdown()
        await simulator.stop()
    }

    @Test func missingUsageIsCountedAndFlagged() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        let record = await ProviderCall.stream(request("sim-faultnousage-tok7-ttft5-gap1"), to: try endpoint(simulator), transport: transport)
        let metrics = record.metrics(prices: nil)
        #expect(metrics.outputTokens == 7 && metrics.tokensEstimated)
        try await transport.shutdown()
        await simulator.stop()
    }

    @Test func cancellationAbortsTheRequest() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        let ep = try endpoint(simulator)
        let task = Task { await ProviderCall.stream(request("sim-ttft5-gap50-tok200"), to: ep, transport: transport) }
        try await Task.sleep(nanoseconds: 150_000_000)
        task.cancel()
        let record = await task.value
        #expect(record.failure?.errorClass == .cancelled)
        #expect(record.metrics(prices: nil).totalSeconds < 2)
        try await transport.shutdown()
        await simulator.stop()
    }

    @Test func slowHeadersHitTheFirstByteTimeout() async throws {
        let simulator = try await EmbeddedSimulator.start()
        var timeouts = Transport.Timeouts()
        timeouts.firstByte = .milliseconds(150)
        let transport = Transport(timeouts: timeouts)
        let started = MonotonicClock.now()
        let record = await ProviderCall.stream(request("sim-hdr1500-tok3"), to: try endpoint(simulator), transport: transport)
        #expect(record.failure?.errorClass == .timeout, "\(String(describing: record.failure))")
        #expect(MonotonicClock.milliseconds(from: started, to: MonotonicClock.now()) < 1200)
        // Slow headers within the limit are fine, and TTFT still counts from t0.
        let slow = await ProviderCall.stream(request("sim-hdr80-ttft100-tok3"), to: try endpoint(simulator), transport: transport)
        #expect(slow.succeeded)
        #expect(try #require(slow.metrics(prices: nil).ttftMs) >= 100)
        // The idle timeout counts from the last read: 60 ms gaps under a 100 ms limit pass
        // (the whole stream takes 3× the limit); a 300 ms gap fails.
        var idle = Transport.Timeouts()
        idle.idle = .milliseconds(100)
        let idleTransport = Transport(timeouts: idle)
        let steady = await ProviderCall.stream(request("sim-ttft10-gap60-tok6"), to: try endpoint(simulator), transport: idleTransport)
        #expect(steady.succeeded, "\(String(describing: steady.failure))")
        let stalled = await ProviderCall.stream(request("sim-ttft10-gap300-tok3"), to: try endpoint(simulator), transport: idleTransport)
        #expect(stalled.failure?.errorClass == .timeout && stalled.failure?.message.contains("idle") == true)
        try await idleTransport.shutdown()
        try await transport.shutdown()
        await simulator.stop()
    }

    @Test func addressPolicyRefusesPrivateAddressesAfterResolution() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport(addressPolicy: .standard(allowLocal: false))
        // "localhost" is a name: the check applies to the address it resolves to.
        let url = simulator.baseURL.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let endpoint = ProviderEndpoint(provider: try Self.openAI.makeProvider(config: ["base_url": .string(url + "/v1")]), apiKey: nil)
        let record = await ProviderCall.stream(request("sim-tok2"), to: endpoint, transport: transport)
        #expect(record.failure?.errorClass == .network)
        #expect(record.failure?.message.contains("loopback address") == true, "\(String(describing: record.failure))")
        #expect(simulator.log.count == 0, "nothing reached the server")
        // The embedded simulator itself is exempt by exact address.
        let exempt = Transport(addressPolicy: .standard(allowLocal: false, alwaysAllowed: ["127.0.0.1:\(simulator.port)"]))
        let allowed = await ProviderCall.stream(request("sim-tok2-ttft5"), to: try self.endpoint(simulator), transport: exempt)
        #expect(allowed.succeeded)
        try await transport.shutdown()
        try await exempt.shutdown()
        await simulator.stop()
    }

    @Test func addressRanges() {
        for ip in ["10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "100.64.0.1"] {
            #expect(AddressPolicy.nonPublicRange(ip) != nil, "\(ip) must be refused")
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "172.32.0.1"] {
            #expect(AddressPolicy.nonPublicRange(ip) == nil, "\(ip) is public")
        }
    }

    @Test func anthropicAndGeminiAgainstTheSimulatorWithToolCalls() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        let tools: JSONValue = [["type": "function", "function": ["name": "get_weather", "parameters": [
            "type": "object", "properties": ["city": ["type": "string"], "days": ["type": "integer"]], "required": ["city", "days"]]]]]
        for (plugin, path) in [("anthropic", "/v1"), ("gemini", "/v1beta"), ("openai", "/v1")] {
            let loaded = try PluginLoader.load(path: TestSupport.buildDirectory.appendingPathComponent("libstudio_\(plugin).so").path)
            let endpoint = ProviderEndpoint(provider: try loaded.makeProvider(config: ["base_url": .string(simulator.baseURL + path)]), apiKey: "k-123456")
            let request: JSONValue = ["model": "sim-ttft5-gap1", "stream": true, "tools": tools, "tool_choice": "auto",
                                      "messages": [["role": "user", "content": "What is the weather in Paris for 3 days?"]],
                                      "params": ["max_tokens": 64]]
            let record = await ProviderCall.stream(request, to: endpoint, transport: transport)
            #expect(record.succeeded, "\(plugin): \(String(describing: record.failure))")
            #expect(record.toolCalls.count == 1, "\(plugin)")
            #expect(record.toolCalls.first?.name == "get_weather")
            let arguments = try JSONParser.parse(record.toolCalls.first?.arguments ?? "")
            #expect(arguments == ["city": "Paris", "days": 3], "\(plugin): \(arguments.jsonString)")
            #expect(record.finishReason == "tool_calls", "\(plugin)")
            #expect(record.metrics(prices: nil).ttftMs != nil)
        }
        try await transport.shutdown()
        await simulator.stop()
    }

    /// The simulator talks as the real APIs do to the official SDKs' requests: OpenAI's
    /// usage chunk only when asked for, Gemini's fields in either protobuf JSON casing and
    /// upper-case schema types (scripts/captures/sdk-against-simulator runs the SDKs).
    @Test func theSimulatorAnswersAsTheRealAPIsDo() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        let chat = simulator.baseURL + "/v1/chat/completions"
        func openAI(_ extra: String) -> [UInt8] {
            Array(#"{"model":"sim-ttft1-gap1-tok3","stream":true,"messages":[{"role":"user","content":"hi"}]"#.utf8) + Array(extra.utf8) + [UInt8(ascii: "}")]
        }
        let plain = await TransportDriverTests.fetch(transport, chat, body: openAI(""))
        #expect(plain.status == 200 && plain.body.contains("[DONE]"))
        #expect(!plain.body.contains("\"usage\""), "no usage chunk unless asked")
        let asked = await TransportDriverTests.fetch(transport, chat, body: openAI(#","stream_options":{"include_usage":true}"#))
        #expect(asked.body.contains("\"usage\""))

        let gemini = simulator.baseURL + "/v1beta/models/sim-ttft1-gap1:generateContent"
        for declaration in [#""function_declarations":[{"name":"get_weather","parameters_json_schema":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}}]"#,
                            #""functionDeclarations":[{"name":"get_weather","parameters":{"type":"OBJECT","properties":{"city":{"type":"STRING"},"days":{"type":"INTEGER"}},"required":["city","days"]}}]"#] {
            let body = #"{"contents":[{"role":"user","parts":[{"text":"What is the weather in Paris for 3 days?"}]}],"tools":[{"# + declaration
                + #"}],"generation_config":{"max_output_tokens":64}}"#
            let answer = await TransportDriverTests.fetch(transport, gemini, body: Array(body.utf8))
            let call = try JSONParser.parse(answer.body)["candidates"]?.arrayValue?.first?["content"]?["parts"]?.arrayValue?.first?["functionCall"]
            #expect(call?["args"] == ["city": "Paris", "days": 3], "\(declaration.prefix(40)): \(answer.body.prefix(300))")
        }
        // Under /v1 too (google-genai's default), and a tool result sent back is answered
        // in text by every API, as a model would (the SDKs' automatic function calling).
        let afterTool = #"{"contents":[{"role":"user","parts":[{"text":"Weather in Paris?"}]},{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},{"role":"user","parts":[{"function_response":{"name":"get_weather","response":{"result":"sunny"}}}]}],"tools":[{"functionDeclarations":[{"name":"get_weather","parameters":{"type":"object"}}]}]}"#
        let geminiText = await TransportDriverTests.fetch(transport, simulator.baseURL + "/v1/models/sim-ttft1-gap1:generateContent", body: Array(afterTool.utf8))
        #expect(geminiText.status == 200 && geminiText.body.contains("\"text\"") && !geminiText.body.contains("functionCall"), "\(geminiText.body.prefix(300))")
        let anthropicAfterTool = #"{"model":"sim-ttft1-gap1","max_tokens":32,"tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"}]}]}"#
        let anthropicText = await TransportDriverTests.fetch(transport, simulator.baseURL + "/v1/messages", body: Array(anthropicAfterTool.utf8))
        #expect(anthropicText.body.contains("end_turn") && !anthropicText.body.contains("tool_use"), "\(anthropicText.body.prefix(300))")
        try await transport.shutdown()
        await simulator.stop()
    }
}
