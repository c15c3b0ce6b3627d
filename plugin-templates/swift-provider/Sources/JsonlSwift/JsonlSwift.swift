// jsonl-swift: a provider plugin in Swift for a small made-up JSON-lines API, which the
// studio's simulator also speaks (so it benchmarks with no key and no network):
//   POST {base_url}/generate  {"model","prompt","max_tokens","stream":true}
//   → {"event":"start"}\n {"token":"…"}\n … {"done":true,"finish":"stop","usage":{…}}\n
// Replace buildRequest and the line decoder with your API's. The plugin is pure: the
// host does the network I/O and the timing, and hands each read to the decoder.

import PluginKit

@_cdecl("studio_plugin_entry")
public func studioPluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(hostABI: hostABI, manifest: JsonlSwift.manifest, provider: JsonlSwift.self)
}

public struct JsonlSwift: ProviderAdapter {
    static let manifest = PluginManifest(
        id: "jsonl-swift", name: "JSON-lines demo provider (Swift template)", version: "0.1.0",
        description: "A provider for a small JSON-lines streaming API (the simulator speaks it).",
        provider: [
            "api": "jsonl",
            "auth": ["style": "bearer"],
            "default_base_url": "http://127.0.0.1:8090/jsonl",
            "params": [
                "max_tokens": ["tier": "universal", "type": "integer", "min": 1, "default": 256],
                "temperature": ["tier": "universal", "type": "number", "min": 0, "max": 2],
            ],
            "conformance": [
                "sample_stream": "{\"event\":\"start\"}\n{\"token\":\"Hello\"}\n{\"token\":\", wörld\"}\n{\"token\":\"!\"}\n{\"done\":true,\"finish\":\"stop\",\"usage\":{\"input_tokens\":5,\"output_tokens\":3}}\n",
                "expected_text": "Hello, wörld!",
            ],
        ])

    let baseURL: String

    public init(config: JSONValue) throws {
        guard var url = config["base_url"]?.stringValue, !url.isEmpty else { throw PluginError.invalidInput("config needs base_url") }
        while url.hasSuffix("/") { url.removeLast() }
        baseURL = url
    }

    public func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec {
        guard let model = request["model"]?.stringValue, let messages = request["messages"]?.arrayValue else {
            throw PluginError.invalidInput("the request needs a model (string) and messages (array)")
        }
        // This API takes one prompt: the messages' texts, one per line.
        let prompt = messages.compactMap { $0["content"]?.stringValue }.joined(separator: "\n")
        var body: JSONObject = ["model": .string(model), "prompt": .string(prompt), "stream": true]
        if let max = request["params"]?["max_tokens"] { body["max_tokens"] = max }
        return HTTPRequestSpec(method: "POST", url: baseURL + "/generate",
                               headers: [("Content-Type", "application/json"), ("Accept", "application/x-ndjson")],
                               body: JSONValue.object(body).jsonString)
    }

    public func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder { LineDecoder() }

    public func parseResponse(_ body: [UInt8]) throws -> JSONValue {
        guard let value = try? JSONParser.parse(bytes: body) else { throw PluginError.malformedStream("the body is not JSON") }
        return ["text": value["text"] ?? "", "reasoning": "", "calls": [], "finish_reason": "stop",
                "usage": ["input_tokens": value["usage"]?["input_tokens"] ?? .null, "output_tokens": value["usage"]?["output_tokens"] ?? .null]]
    }

    public func classifyError(status: Int, body: [UInt8]) -> JSONValue {
        let message = (try? JSONParser.parse(bytes: body))?["error"]?.stringValue ?? "request failed"
        let errorClass = status == 429 ? "rate_limited" : (status == 401 || status == 403) ? "auth_failed" : "http_\(status)"
        return ["class": .string(errorClass), "message": .string(message)]
    }
}

/// One JSON object per line. A read may end anywhere (even inside a UTF-8 character):
/// the bytes after the last newline wait for the next read.
final class LineDecoder: StreamDecoder {
    var pending: [UInt8] = []

    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws {
        pending.append(contentsOf: bytes)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            try decodeLine(line, into: &events)
        }
    }

    func finish(into events: inout StreamEventSink) throws {
        let rest = pending
        pending = []
        try decodeLine(rest, into: &events)
    }

    private func decodeLine(_ line: [UInt8], into events: inout StreamEventSink) throws {
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { return }
        guard let value = try? JSONParser.parse(bytes: line) else { throw PluginError.malformedStream("a line is not JSON") }
        if let token = value["token"]?.stringValue, !token.isEmpty {
            events.text(token)  // only non-empty tokens: the host's TTFT clock stops on the first
        } else if let message = value["error"]?.stringValue {
            events.error(message: message)
        } else if value["done"]?.boolValue == true {
            if let usage = value["usage"] {
                events.usage(input: usage["input_tokens"]?.intValue, output: usage["output_tokens"]?.intValue)
            }
            events.finish(reason: "stop", raw: value["finish"]?.stringValue ?? "stop")
            events.end()
        }
    }
}
