import Foundation
import Synchronization
import HostMeasurement
import HostPlugins
import Hummingbird
import HummingbirdCore
import NIOCore
import StudioJSON

/// The built-in provider simulator (docs/architecture.md): a real HTTP server speaking OpenAI chat
/// completions, Anthropic messages and Gemini generateContent, streamed or not, text and
/// tool calls, with deterministic timing and faults chosen by model name or headers.
/// Every write is stamped with the monotonic clock and kept as ground truth
/// (`GET /sim/requests/{id}`, and `X-Sim-Request-Id` on every response).
public struct SimulatorServer: Sendable {
    public let log: GroundTruthLog
    /// Models listed by `/v1/models` besides the catalog (any name is served; tools that
    /// check the listing before sending, as guidellm does, need theirs listed).
    public let listed: [String]

    /// Recorded responses served for `replay-<id>` models (docs/simulator.md).
    public let captures: CaptureLibrary

    /// Service-account token exchanges served by `/token` (`/sim/token-exchanges`).
    let tokenExchanges = TokenCounter()
    final class TokenCounter: Sendable {
        private let count = Mutex(0)
        func withLock<T>(_ body: (inout Int) -> T) -> T { count.withLock { body(&$0) } }
    }

    public init(log: GroundTruthLog = GroundTruthLog(), listing models: [String] = [], captures: CaptureLibrary = CaptureLibrary()) {
        self.log = log
        self.captures = captures
        self.listed = Self.catalog + models.filter { !Self.catalog.contains($0) }
    }

    /// HTTP/1.1 with the wire-stamping handler: use this server builder wherever the
    /// simulator routes are served, or ground truth falls back to queue-time stamps.
    public static func httpServer(log: GroundTruthLog) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in StampedHTTP1Channel(responder: responder, log: log) }
    }

    /// The routes, to mount on any router (the standalone app, or `studio serve`).
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/v1/chat/completions") { request, _ in
            try await respond(request, api: .openai)
        }
        router.post("/v1/responses") { request, _ in
            try await respond(request, api: .responses)
        }
        // Azure OpenAI's deployment URLs: the Chat Completions wire, the model (deployment)
        // in the path, an api-version query the simulator does not check.
        router.post("/openai/deployments/{deployment}/chat/completions") { request, context in
            try await respond(request, api: .openai, pathModel: context.parameters.get("deployment"))
        }
        router.post("/openai/v1/chat/completions") { request, _ in
            try await respond(request, api: .openai)
        }
        // AWS Bedrock Converse: the model id percent-encoded in the path (its ':'), the
        // binary event stream for converse-stream. Signatures are not checked.
        router.post("/model/{model}/converse-stream") { request, context in
            try await respond(request, api: .bedrock, pathModel: context.parameters.get("model")?.removingPercentEncoding, stream: true)
        }
        router.post("/model/{model}/converse") { request, context in
            try await respond(request, api: .bedrock, pathModel: context.parameters.get("model")?.removingPercentEncoding, stream: false)
        }
        router.get("/foundation-models") { _, _ in
            Response.simulatorJSON(["modelSummaries": .array(listed.map {
                ["modelId": .string($0), "modelName": .string($0), "providerName": "Simulator", "outputModalities": ["TEXT"],
                 "responseStreamingSupported": true]
            })])
        }
        router.post("/v2/chat") { request, _ in
            try await respond(request, api: .cohere)
        }
        router.post("/v1/messages") { request, _ in
            try await respond(request, api: .anthropic)
        }
        // Gemini: /v1beta/models/{model}:generateContent or :streamGenerateContent?alt=sse,
        // and the same under /v1 (the google-genai SDK's default version).
        let gemini: @Sendable (Request, Context) async throws -> Response = { request, context in
            let action = context.parameters.get("action") ?? ""
            guard let colon = action.lastIndex(of: ":") else { return Self.error(.notFound, "unknown Gemini method") }
            let model = String(action[..<colon])
            switch action[action.index(after: colon)...] {
            case "streamGenerateContent": return try await respond(request, api: .gemini, pathModel: model, stream: true)
            case "generateContent": return try await respond(request, api: .gemini, pathModel: model, stream: false)
            default: return Self.error(.notFound, "unknown Gemini method")
            }
        }
        router.post("/v1beta/models/{action}", use: gemini)
        // Gemini on Vertex AI: the same wire under a project and location, and only with an
        // access token from the simulator's own token endpoint (below) — a host that sent
        // the service account's key, or nothing, gets Google's 401.
        router.post("/v1/projects/{project}/locations/{location}/publishers/google/models/{action}") { request, context in
            guard let bearer = request.headers[.authorization], bearer.hasPrefix("Bearer sim-access-") else {
                return Response.simulatorJSON(["error": ["code": 401, "status": "UNAUTHENTICATED",
                                                         "message": "Request had invalid authentication credentials. Expected OAuth 2 access token."]],
                                              status: .unauthorized)
            }
            return try await gemini(request, context)
        }
        // An OAuth2 token endpoint for service accounts (RFC 7523): a form with grant_type
        // jwt-bearer and an RS256 assertion naming iss, scope, aud, iat and exp. The
        // signature is not checked (the simulator has no public key); its shape is.
        router.post("/token") { request, _ in
            let form = String(buffer: try await request.body.collect(upTo: 64 << 10))
            var fields: [String: String] = [:]
            for pair in form.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if kv.count == 2 { fields[kv[0]] = kv[1] }
            }
            guard fields["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let assertion = fields["assertion"],
                  let (header, claims) = Self.jwtParts(assertion), header["alg"] == "RS256",
                  ["iss", "scope", "aud", "iat", "exp"].allSatisfy({ claims[$0] != nil }) else {
                return Response.simulatorJSON(["error": "invalid_grant", "error_description": "Invalid JWT: expected an RS256 jwt-bearer assertion."],
                                              status: .badRequest)
            }
            let n = tokenExchanges.withLock { $0 += 1; return $0 }
            return Response.simulatorJSON(["access_token": .string("sim-access-\(n)"), "expires_in": 3599, "token_type": "Bearer"])
        }
        router.get("/sim/token-exchanges") { _, _ in
            Response.simulatorJSON(["count": .int(Int64(tokenExchanges.withLock { $0 }))])
        }
        router.post("/v1/models/{action}", use: gemini)
        // The plugin templates' made-up JSON-lines API (docs/simulator.md).
        router.post("/jsonl/generate") { request, _ in
            try await respond(request, api: .jsonl)
        }
        // Ollama's native API (docs/simulator.md).
        router.post("/api/chat") { request, _ in
            try await respond(request, api: .ollama)
        }
        router.get("/api/tags") { _, _ in
            Response.simulatorJSON(["models": .array(listed.map { ["name": .string($0), "model": .string($0), "size": 0] })])
        }
        router.get("/v1/models") { request, _ in
            // Cohere lists its models here too, asked with ?endpoint=chat (OpenAI never is).
            if request.uri.queryParameters["endpoint"] != nil {
                return Response.simulatorJSON(["models": .array(listed.map { ["name": .string($0), "endpoints": ["chat"], "context_length": 128000] })])
            }
            return Response.simulatorJSON(["object": "list", "data": .array(listed.map { ["id": .string($0), "object": "model"] })])
        }
        // Azure lists the models a resource can deploy in OpenAI's shape.
        for path in ["/openai/models", "/openai/v1/models"] {
            router.get(RouterPath(path)) { _, _ in
                Response.simulatorJSON(["object": "list", "data": .array(listed.map { ["id": .string($0), "object": "model"] })])
            }
        }
        router.get("/v1beta/models") { _, _ in
            Response.simulatorJSON(["models": .array(listed.map { ["name": .string("models/" + $0)] })])
        }
        // Every kept request of one model, in arrival order: what a load tool that does not
        // read X-Sim-Request-Id (the peers) is compared against.
        router.get("/sim/requests") { request, _ in
            guard let model = request.uri.queryParameters["model"].map(String.init) else {
                return Self.error(.badRequest, "model is required (?model=)")
            }
            let records = log.records.filter { $0.model == model }
            return Response.simulatorJSON(["requests": .array(records.map { r in
                let samples = r.itlSamplesMs
                return ["id": .string(r.id), "received_ns": .int(Int64(r.receivedAt)), "ttft_ms": r.ttftMs.map(JSONValue.double) ?? .null,
                        "itl_ms_mean": samples.isEmpty ? .null : .double(samples.reduce(0, +) / Double(samples.count)),
                        "e2e_ms": r.endAt > r.receivedAt ? .double(Double(r.endAt - r.receivedAt) / 1e6) : .null,
                        "first_token_ns": r.firstTokenAt.map { .int(Int64($0)) } ?? .null,
                        "last_write_ns": r.writes.last.map { .int(Int64($0.at)) } ?? .null,
                        "output_tokens": .int(Int64(r.outputTokens)), "completed": .bool(r.completed)]
            })])
        }
        router.get("/sim/requests/{id}") { _, context in
            guard let id = context.parameters.get("id"), let record = log.record(id) else {
                return Self.error(.notFound, "no such simulated request")
            }
            return Response.simulatorJSON(record.json)
        }
    }

    /// A JWT's header and claims, decoded (not verified).
    static func jwtParts(_ token: String) -> (JSONValue, JSONValue)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        func decode(_ part: Substring) -> JSONValue? {
            var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while text.count % 4 != 0 { text += "=" }
            return Data(base64Encoded: text).flatMap { try? JSONParser.parse(bytes: Array($0)) }
        }
        guard let header = decode(parts[0]), let claims = decode(parts[1]) else { return nil }
        return (header, claims)
    }

    /// Models listed by the simulator (any name works; these are the documented ones).
    public static let catalog = ["sim-fast", "sim-steady", "sim-slow", "sim-ttft50-gap10-tok64", "sim-tools",
                                 "sim-fault429", "sim-fault500", "sim-fault401", "sim-faultdisconnect", "sim-faultmalformed"]

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response.simulatorJSON(["error": ["message": .string(message), "type": "invalid_request_error"]], status: status)
    }

    private func respond(_ request: Request, api: SimulatedRequest.API, pathModel: String? = nil,
                         stream: Bool = false) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        // The wire stamp of the request head when served through httpServer(log:).
        let receivedAt = headers["x-sim-received-ns"].flatMap(UInt64.init) ?? MonotonicClock.now()
        let buffer = try await request.body.collect(upTo: 64 << 20)
        let body: JSONValue
        do { body = try JSONParser.parse(bytes: Array(buffer: buffer)) } catch {
            return Self.error(.badRequest, "body is not JSON: \(error)")
        }
        let parsed: SimulatedRequest
        do {
            parsed = try SimulatedRequest.parse(api: api, body: body, pathModel: pathModel, streamFromPath: stream)
        } catch let invalid as SimulatedRequest.Invalid {
            return Self.error(.badRequest, invalid.message)
        }
        if let replay = Replay(model: parsed.model) {
            return replay.respond(api: api, captures: captures, receivedAt: receivedAt, log: log)
        }
        let schedule = SimulatorSchedule(model: parsed.model, headers: headers, maxTokens: parsed.maxTokens)
        let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var truth = GroundTruth(id: id, api: api.rawValue, model: parsed.model, schedule: schedule, receivedAt: receivedAt)
        truth.inputTokens = SimulatorText.estimateTokens(parsed.allText)
        truth.requestedMaxTokens = parsed.maxTokens

        if schedule.headerDelayMs > 0 {
            try await Self.sleep(until: Saturating.add(receivedAt, Saturating.nanoseconds(milliseconds: min(schedule.headerDelayMs, 600_000))))
        }
        if let status = schedule.fault.flatMap(Self.statusFault) {
            truth.headersAt = MonotonicClock.now()
            truth.endAt = truth.headersAt
            truth.completed = true
            log.store(truth)
            var response = Response.simulatorJSON(
                SimulatorWire.errorBody(api, status: Int(status.code), message: "simulated \(status.code)"), status: status)
            response.headers[.init("X-Sim-Request-Id")!] = id
            if status == .tooManyRequests { response.headers[.retryAfter] = "2" }
            return response
        }

        let calls = SimulatedToolCalls.calls(for: parsed, mode: schedule.toolMode)
        // A judge model's answer is as long as the answer is (max tokens aside).
        let texts = schedule.judge.map { SimulatedJudge.tokens(SimulatedJudge.answer(prompt: parsed.allText, mode: $0)) }
            ?? (schedule.promptWriter ? SimulatedJudge.tokens(SimulatedPromptWriter.answer(prompt: parsed.allText)) : nil)
            ?? (0..<schedule.tokens).map(SimulatorText.token)
        let plan = SimulatorWire.plan(api, id: id, model: parsed.model, texts: texts, calls: calls,
                                      inputTokens: truth.inputTokens,
                                      withUsage: schedule.fault != .noUsage && (!parsed.stream || parsed.streamsUsage))
        truth.outputTokens = calls.isEmpty ? texts.count : plan.tokens.count

        if !parsed.stream {
            // Whole body after the last token's deadline.
            try await Self.sleep(until: schedule.deadline(ofToken: max(0, plan.tokens.count - 1), receivedAt: receivedAt))
            var bytes = ByteBuffer()
            bytes.writeString(plan.whole.jsonString)
            truth.headersAt = MonotonicClock.now()
            truth.writes = [.init(queuedAt: truth.headersAt, bytes: bytes.readableBytes, tokens: truth.outputTokens)]
            truth.endAt = truth.headersAt
            truth.completed = true
            log.store(truth)
            var response = Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: bytes))
            response.headers[.init("X-Sim-Request-Id")!] = id
            return response
        }

        truth.headersAt = MonotonicClock.now()
        log.store(truth)
        let log = self.log
        let started = truth
        var response = Response(
            status: .ok,
            headers: [.contentType: api.streamContentType, .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                try await Self.stream(plan: plan, schedule: schedule, truth: started, log: log, writer: &writer)
            })
        response.headers[.init("X-Sim-Request-Id")!] = id
        return response
    }

    private static func statusFault(_ fault: SimulatorSchedule.Fault) -> HTTPResponse.Status? {
        switch fault {
        case .rateLimited: return .tooManyRequests
        case .serverError: return .internalServerError
        case .unauthorized: return .unauthorized
        default: return nil
        }
    }

    /// Writes the plan on schedule: the preamble at once, then groups of
    /// `eventsPerWrite` token events, each at the deadline of its last token, then the
    /// trailer. Every write is stamped just before it is handed to the channel.
    private static func stream(plan: StreamPlan, schedule: SimulatorSchedule, truth: GroundTruth,
                               log: GroundTruthLog, writer: inout any ResponseBodyWriter) async throws {
        var truth = truth
        defer {
            truth.endAt = MonotonicClock.now()
            log.store(truth)
        }
        func send(_ bytes: [UInt8], tokens: Int) async throws {
            let pieces: [ArraySlice<UInt8>]
            if schedule.splitEvents && bytes.count > 1 {
                // Cut inside a multi-byte character when there is one, else in the middle.
                let cut = bytes.firstIndex { $0 >= 0xC0 }.map { $0 + 1 } ?? bytes.count / 2
                pieces = [bytes[..<cut], bytes[cut...]]
            } else {
                pieces = [bytes[...]]
            }
            for (i, piece) in pieces.enumerated() {
                var buffer = ByteBuffer()
                buffer.writeBytes(piece)
                let at = MonotonicClock.now()
                try await writer.write(buffer)
                // A token is delivered when its last byte is written.
                truth.writes.append(.init(queuedAt: at, bytes: piece.count, tokens: i == pieces.count - 1 ? tokens : 0))
            }
        }

        if !plan.preamble.isEmpty { try await send(Array(plan.preamble.joined()), tokens: 0) }
        let malformedAt = schedule.fault == .malformed ? plan.tokens.count / 2 : -1
        let disconnectAt = schedule.fault == .disconnect ? max(1, plan.tokens.count / 2) : -1
        var index = 0
        while index < plan.tokens.count {
            if index == disconnectAt {
                // Abandon the body mid-stream: the connection closes without the final chunk.
                throw SimulatedDisconnect()
            }
            let end = min(plan.tokens.count, index + schedule.eventsPerWrite)
            try await sleep(until: schedule.deadline(ofToken: end - 1, receivedAt: truth.receivedAt))
            var bytes: [UInt8] = []
            for i in index..<end {
                bytes += i == malformedAt ? Array("data: {\"choices\": [{\"delta\": {\"content\": \"broken\"\n\n".utf8) : plan.tokens[i]
            }
            try await send(bytes, tokens: end - index)
            index = end
        }
        if !plan.trailer.isEmpty { try await send(Array(plan.trailer.joined()), tokens: 0) }
        truth.completed = true
        try await writer.finish(nil)
    }

    struct SimulatedDisconnect: Error {}

    /// Sleeps until a monotonic deadline (a relative sleep recomputed from the absolute
    /// deadline each time, so lateness never accumulates).
    static func sleep(until deadline: UInt64) async throws {
        let now = MonotonicClock.now()
        guard deadline > now else { return }
        try await Task.sleep(nanoseconds: deadline - now)
    }
}

extension Response {
    static func simulatorJSON(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(value.jsonString)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}
