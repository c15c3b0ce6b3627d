import AWSEventStream
import Foundation
import StudioJSON

/// Recorded provider responses (docs/captures.md): what `studio plugins verify --captures`
/// holds a provider to, and what the simulator replays byte for byte. A capture folder holds an `index.json` — an array of entries with
/// at least `id`, `file` and `format` (`openai-chat`, `anthropic-messages`, `gemini`),
/// optionally `http_status` (200) and `stream` — beside the body files; folders are read
/// recursively, so the repository's corpus (Tests/Fixtures/captures) loads as one.
public struct CaptureLibrary: Sendable {
    public struct Capture: Sendable {
        public let id: String
        public let format: String
        public let status: Int
        /// Whether the body is an event stream (`.sse`, or `"stream": true`).
        public let isStream: Bool
        public let body: [UInt8]
        /// The index entry as written, for tests that compare against its expectations.
        public let entry: JSONValue

        /// Gemini's streamed JSON array (no `alt=sse`), which the bundled plugin never requests.
        public var isJSONArrayStream: Bool { entry["exercises"]?.arrayValue?.contains("json-array-stream") == true }
    }

    public private(set) var captures: [String: Capture] = [:]

    public init() {}

    /// Reads every `index.json` under each folder. A broken index or a missing body file
    /// is an error naming the file, not a capture silently left out.
    public init(folders: [String]) throws {
        for folder in folders {
            let root = URL(fileURLWithPath: folder)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw CaptureLibraryError(message: "\(folder) is not a folder of captures")
            }
            let indexes = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [])
                .filter { $0 == "index.json" || $0.hasSuffix("/index.json") }
                .sorted()
            guard !indexes.isEmpty else { throw CaptureLibraryError(message: "no index.json under \(folder)") }
            for index in indexes { try load(index: root.appendingPathComponent(index)) }
        }
    }

    private mutating func load(index: URL) throws {
        let entries: [JSONValue]
        do {
            guard let list = try JSONParser.parse(bytes: Array(try Data(contentsOf: index))).arrayValue else {
                throw CaptureLibraryError(message: "\(index.path) is not a JSON array")
            }
            entries = list
        } catch let error as CaptureLibraryError {
            throw error
        } catch {
            throw CaptureLibraryError(message: "\(index.path): \(error)")
        }
        for (position, entry) in entries.enumerated() {
            guard let id = entry["id"]?.stringValue, let file = entry["file"]?.stringValue, let format = entry["format"]?.stringValue else {
                throw CaptureLibraryError(message: "\(index.path) entry \(position): id, file and format are required")
            }
            guard captures[id] == nil else { throw CaptureLibraryError(message: "\(index.path): capture id \(id) appears twice") }
            // A body file sits beside its index (or below it): a corpus from elsewhere must
            // not make the simulator serve any other file of the machine.
            guard !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                throw CaptureLibraryError(message: "\(index.path): \(id) names \(file), outside its folder")
            }
            let status = entry["http_status"]?.intValue.map(Int.init) ?? 200
            guard (100...599).contains(status) else {
                throw CaptureLibraryError(message: "\(index.path): \(id) has http_status \(status), not an HTTP status")
            }
            let url = index.deletingLastPathComponent().appendingPathComponent(file)
            guard let body = FileManager.default.contents(atPath: url.path) else {
                throw CaptureLibraryError(message: "\(index.path): \(id) names \(file), which is missing")
            }
            captures[id] = Capture(id: id, format: format, status: status,
                                   isStream: entry["stream"]?.boolValue ?? file.hasSuffix(".sse"),
                                   body: Array(body), entry: entry)
        }
    }

    /// The writes a replay makes: at each event boundary (a blank line: `\n\n` or
    /// `\r\n\r\n`), or every `splitEvery` bytes when given (cuts anywhere, inside a UTF-8
    /// character or a JSON string included). A body that is not a stream is one write.
    public static func writes(of capture: Capture, splitEvery: Int?) -> [ArraySlice<UInt8>] {
        let body = capture.body[...]
        if let size = splitEvery, size > 0 {
            return stride(from: 0, to: body.count, by: size).map { body[$0..<min(body.count, $0 + size)] }
        }
        guard capture.isStream else { return [body] }
        if capture.format == "bedrock-converse" {
            // Binary event stream: one message per write.
            var start = 0
            return EventStreamMessage.messageEnds(capture.body).map { end in defer { start = end }; return body[start..<end] }
        }
        var pieces: [ArraySlice<UInt8>] = []
        var start = body.startIndex, i = body.startIndex
        while i < body.endIndex {
            if body[i] == 0x0A, i + 1 < body.endIndex {
                var next = i + 1
                if body[next] == 0x0D, next + 1 < body.endIndex { next += 1 }
                if body[next] == 0x0A {
                    pieces.append(body[start...next])
                    start = next + 1
                    i = start
                    continue
                }
            }
            i += 1
        }
        if start < body.endIndex { pieces.append(body[start...]) }
        return pieces
    }
}

public struct CaptureLibraryError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
