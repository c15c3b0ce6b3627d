import Foundation
import HostMeasurement
import HostPlugins
import Hummingbird
import NIOCore

/// A request for a recorded response: the model `replay-<capture id>`, optionally followed
/// by `--ttftN` (ms before the first write), `--gapN` (ms between writes) and `--splitN`
/// (cut the body every N bytes instead of at event boundaries). Double dashes, because
/// capture ids are kebab-case and every provider accepts dashes in a model name. The capture's bytes, status and
/// content type are served as recorded; the simulator adds nothing to the body.
struct Replay {
    let captureID: String
    var ttftMs = 0
    var gapMs = 0
    var splitEvery: Int?

    init?(model: String) {
        guard model.hasPrefix("replay-") else { return nil }
        let parts = model.dropFirst("replay-".count).split(separator: "--", omittingEmptySubsequences: false)
        captureID = String(parts[0])
        for option in parts.dropFirst() {
            func value(_ key: String) -> Int? {
                option.hasPrefix(key) ? Int(option.dropFirst(key.count)).map { min(max($0, 0), 60_000) } : nil
            }
            if let n = value("ttft") { ttftMs = n } else if let n = value("gap") { gapMs = n } else if let n = value("split") { splitEvery = max(1, n) }
        }
    }

    func respond(api: SimulatedRequest.API, captures: CaptureLibrary, receivedAt: UInt64, log: GroundTruthLog) -> Response {
        guard let capture = captures.captures[captureID] else {
            let hint = captures.captures.isEmpty ? "start the simulator with --replay DIR" : "\(captures.captures.count) captures are loaded"
            return SimulatorServer.error(.notFound, "no capture named \(captureID) (\(hint))")
        }
        let format = api.captureFormat
        guard capture.format == format else {
            return SimulatorServer.error(.badRequest, "capture \(captureID) is \(capture.format), but this endpoint speaks \(format)")
        }
        let id = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var truth = GroundTruth(id: id, api: api.rawValue, model: "replay-" + captureID,
                                schedule: SimulatorSchedule(model: "", headers: [:], maxTokens: nil), receivedAt: receivedAt)
        truth.headersAt = MonotonicClock.now()
        log.store(truth)
        let writes = CaptureLibrary.writes(of: capture, splitEvery: splitEvery)
        let (ttft, gap) = (UInt64(ttftMs) * 1_000_000, UInt64(gapMs) * 1_000_000)
        let started = truth
        var response = Response(
            status: .init(code: capture.status),
            headers: [.contentType: capture.isStream ? api.streamContentType : "application/json", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                var truth = started
                defer {
                    truth.endAt = MonotonicClock.now()
                    log.store(truth)
                }
                for (i, piece) in writes.enumerated() {
                    try await SimulatorServer.sleep(until: Saturating.add(receivedAt, ttft + UInt64(i) * gap))
                    var buffer = ByteBuffer()
                    buffer.writeBytes(piece)
                    let at = MonotonicClock.now()
                    try await writer.write(buffer)
                    truth.writes.append(.init(queuedAt: at, bytes: piece.count, tokens: 0))
                }
                truth.completed = true
                try await writer.finish(nil)
            })
        response.headers[.init("X-Sim-Request-Id")!] = id
        return response
    }
}

extension SimulatedRequest.API {
    /// The content type of this API's streamed responses.
    var streamContentType: String {
        switch self {
        case .jsonl, .ollama: return "application/x-ndjson"
        case .bedrock: return "application/vnd.amazon.eventstream"
        default: return "text/event-stream"
        }
    }

    /// The wire format this endpoint speaks, as captures (and provider manifests) name it.
    var captureFormat: String {
        switch self {
        case .openai: return "openai-chat"
        case .anthropic: return "anthropic-messages"
        case .gemini: return "gemini"
        case .jsonl: return "jsonl"
        case .ollama: return "ollama"
        case .responses: return "openai-responses"
        case .cohere: return "cohere-chat"
        case .bedrock: return "bedrock-converse"
        }
    }
}
