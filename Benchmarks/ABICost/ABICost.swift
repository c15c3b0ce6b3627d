// ABI cost benchmark (issue: foundation). Decodes a recorded 64-token OpenAI stream,
// one SSE event per network read, through the openai plugin's C event path, and compares
// with the same decoding work done in-process (SSE split + JSON parse + field reads)
// with no ABI boundary. Prints ns per read for both and the difference: the cost of the
// boundary itself (call, C event structs, emit callbacks, copying text out).
//
//   make bench-abi            (release build; run on an idle machine)

import Foundation
import HostPlugins
import PluginKit
import StudioJSON

@main
enum ABICost {
    static func main() throws {
        let tokens = 64
        var reads: [[UInt8]] = [Array("data: {\"id\":\"b\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n".utf8)]
        for i in 0..<tokens {
            reads.append(Array("data: {\"id\":\"b\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok\(i)\"},\"finish_reason\":null}]}\n\n".utf8))
        }
        reads.append(Array("data: {\"id\":\"b\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n".utf8))
        reads.append(Array("data: {\"id\":\"b\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":64}}\n\n".utf8))
        reads.append(Array("data: [DONE]\n\n".utf8))

        let directory = PluginRegistry.executableDirectory() ?? "."
        let plugin = try PluginLoader.load(path: directory + "/libstudio_openai.so")
        let provider = try plugin.makeProvider(config: ["base_url": "http://127.0.0.1:1/v1"])
        let request: JSONValue = ["model": "m", "messages": [["role": "user", "content": "x"]]]

        func viaABI() throws -> Int {
            let decoder = try provider.makeDecoder(for: request)
            var textBytes = 0
            for read in reads {
                try decoder.decode(read) { event in if case .text(let t) = event { textBytes += t.utf8.count } }
            }
            try decoder.finish { _ in }
            return textBytes
        }

        func inProcess() throws -> Int {
            var sse = ServerSentEventParser()
            var textBytes = 0
            for read in reads {
                try read.withUnsafeBytes { raw in
                    try sse.feed(raw) { event in
                        guard event.data != "[DONE]" else { return }
                        let chunk = try JSONParser.parse(event.data)
                        for choice in chunk["choices"]?.arrayValue ?? [] {
                            if let text = choice["delta"]?["content"]?.stringValue, !text.isEmpty { textBytes += text.utf8.count }
                            _ = choice["finish_reason"]?.stringValue
                        }
                        _ = chunk["usage"]?["completion_tokens"]?.intValue
                    }
                }
            }
            return textBytes
        }

        func measure(_ name: String, _ body: () throws -> Int) rethrows -> Double {
            for _ in 0..<200 { _ = try body() }  // warm-up
            var samples: [Double] = []
            for _ in 0..<15 {
                let start = DispatchTime.now().uptimeNanoseconds
                var sink = 0
                for _ in 0..<200 { sink &+= try body() }
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
                samples.append(elapsed / Double(200 * reads.count))
                if sink == 0 { print("(no text decoded)") }
            }
            samples.sort()
            let median = samples[samples.count / 2]
            print(String(format: "%-34@ median %8.1f ns/read   (min %.1f, max %.1f; %d reads per stream)",
                         name as NSString, median, samples.first!, samples.last!, reads.count))
            return median
        }

        let (a, b) = (try viaABI(), try inProcess())
        precondition(a == b, "both paths must decode the same text")
        print("ABI cost: \(tokens)-token OpenAI stream, one event per read, \(reads.count) reads; ns per read")
        let abi = try measure("plugin decoder via C ABI", viaABI)
        let native = try measure("same decoding, in-process", inProcess)
        print(String(format: "boundary overhead: %.1f ns/read (%.2fx the in-process decoding); target <= 1000 ns", abi - native, abi / native))
    }
}
