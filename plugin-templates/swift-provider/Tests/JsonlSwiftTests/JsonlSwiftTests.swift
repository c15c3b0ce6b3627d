import JsonlSwift
import PluginKit
import Testing

@Suite struct JsonlSwiftTests {
    @Test func buildsTheRequest() throws {
        let provider = try JsonlSwift(config: ["base_url": "http://127.0.0.1:8090/jsonl/"])
        let http = try provider.buildRequest(["model": "m", "messages": [["role": "user", "content": "Hi"]], "params": ["max_tokens": 8]])
        #expect(http.url == "http://127.0.0.1:8090/jsonl/generate")
        let body = try JSONParser.parse(http.body ?? "")
        #expect(body["prompt"] == "Hi" && body["max_tokens"] == 8)
        #expect(throws: PluginError.self) { try provider.buildRequest(["messages": "x"]) }
    }

    @Test func classifiesErrors() throws {
        let provider = try JsonlSwift(config: ["base_url": "http://x"])
        #expect(provider.classifyError(status: 429, body: Array(#"{"error":"slow down"}"#.utf8))["class"] == "rate_limited")
        #expect(provider.classifyError(status: 503, body: [])["class"] == "http_503")
    }
}
