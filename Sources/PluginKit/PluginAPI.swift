// What a Swift plugin author writes against. Conform a type to ProviderAdapter or
// Scorer, describe it with a PluginManifest, and export it with one function:
//
//     @_cdecl("studio_plugin_entry")
//     public func entry(_ hostABI: UInt32) -> UnsafeRawPointer? {
//         PluginExport.entry(hostABI: hostABI, manifest: myManifest, scorer: MyScorer.self)
//     }
//
// PluginKit turns that into the C ABI of Sources/PluginABI: it owns every pointer,
// converts JSON at the cold-path boundary, and catches every Swift error so that nothing
// unwinds into the host.

@_exported import StudioJSON

/// An error a plugin reports to the host. The case decides the ABI status code.
public enum PluginError: Error, CustomStringConvertible, Sendable {
    /// The input (request, case, output, config) is malformed or not what was expected.
    case invalidInput(String)
    /// The plugin does not implement this (e.g. model listing).
    case unsupported(String)
    /// Bytes from the provider could not be decoded.
    case malformedStream(String)
    /// Anything else: a bug in the plugin.
    case `internal`(String)

    public var description: String {
        switch self {
        case .invalidInput(let m), .unsupported(let m), .malformedStream(let m), .internal(let m): return m
        }
    }
}

/// Identity and metadata of one plugin library. `provider` and `scorer` hold the
/// kind-specific manifest sections (docs/schemas/plugin-manifest.schema.json).
public struct PluginManifest: Sendable {
    public var id: String
    public var name: String
    public var version: String
    public var description: String
    public var provider: JSONObject?
    public var scorer: JSONObject?

    public init(id: String, name: String, version: String, description: String = "",
                provider: JSONObject? = nil, scorer: JSONObject? = nil) {
        self.id = id
        self.name = name
        self.version = version
        self.description = description
        self.provider = provider
        self.scorer = scorer
    }

    /// The manifest JSON as the host reads it. PluginKit adds the ABI version, the kinds
    /// and the toolchain that built the plugin.
    public var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "name": .string(name), "version": .string(version),
            "description": .string(description), "abi": "1.0",
            "language": "swift", "swift_toolchain": .string(SwiftToolchain.identifier),
        ]
        var kinds: [JSONValue] = []
        if provider != nil { kinds.append("provider") }
        if scorer != nil { kinds.append("scorer") }
        object["kinds"] = .array(kinds)
        if let provider { object["provider"] = .object(provider) }
        if let scorer { object["scorer"] = .object(scorer) }
        return .object(object)
    }
}

/// An HTTP request for the host to send. Headers keep their order; the host adds auth
/// headers itself (the plugin never sees API keys).
public struct HTTPRequestSpec: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: String?

    public init(method: String = "POST", url: String, headers: [(String, String)] = [], body: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public var json: JSONValue {
        [
            "method": .string(method), "url": .string(url),
            "headers": .array(headers.map { .array([.string($0.0), .string($0.1)]) }),
            "body": body.map(JSONValue.string) ?? .null,
        ]
    }
}

/// A provider adapter: translates normalized requests to one provider's HTTP API and
/// decodes its responses. Pure: no sockets, no sleeping, no clock.
/// An instance serves concurrent requests, hence Sendable.
public protocol ProviderAdapter: Sendable {
    /// `config` is the endpoint configuration: {"base_url": ..., "params": {...}}.
    init(config: JSONValue) throws
    func buildRequest(_ request: JSONValue) throws -> HTTPRequestSpec
    func makeStreamDecoder(for request: JSONValue) throws -> any StreamDecoder
    /// A complete non-streaming body → {"text","reasoning","calls","finish_reason","usage"}.
    func parseResponse(_ body: [UInt8]) throws -> JSONValue
    func buildListModelsRequest() throws -> HTTPRequestSpec
    /// → [{"id", "display_name"?, "context_window"?}]
    func parseListModels(_ body: [UInt8]) throws -> JSONValue
    /// → {"class", "message", "retry_after_s"?}
    func classifyError(status: Int, body: [UInt8]) -> JSONValue
}

extension ProviderAdapter {
    public func buildListModelsRequest() throws -> HTTPRequestSpec {
        throw PluginError.unsupported("this provider cannot list models")
    }

    public func parseListModels(_ body: [UInt8]) throws -> JSONValue {
        throw PluginError.unsupported("this provider cannot list models")
    }
}

/// Decodes one streaming response, one network read at a time. Used by one stream only.
public protocol StreamDecoder: AnyObject {
    /// `bytes` may stop anywhere, even inside a UTF-8 character: keep the remainder.
    func decode(_ bytes: UnsafeRawBufferPointer, into events: inout StreamEventSink) throws
    /// The body ended: flush what remains.
    func finish(into events: inout StreamEventSink) throws
}

/// A scorer: (case, normalized model output) → ScoreResult. Pure.
public protocol Scorer: Sendable {
    /// `config` is the scorer's configuration ({} when none).
    init(config: JSONValue) throws
    func score(case testCase: JSONValue, output: JSONValue) throws -> ScoreResult
}

/// What a scorer returns: a score in 0...1 and why.
public struct ScoreResult: Sendable, Equatable {
    public var score: Double
    public var passed: Bool
    /// Named parts of the score; nil where a part does not apply (e.g. no params expected).
    public var subscores: [(String, Double?)]
    public var errorType: String?
    public var details: JSONValue

    public init(score: Double, passed: Bool, subscores: [(String, Double?)] = [],
                errorType: String? = nil, details: JSONValue = .object([:])) {
        self.score = score
        self.passed = passed
        self.subscores = subscores
        self.errorType = errorType
        self.details = details
    }

    public var json: JSONValue {
        [
            "score": .double(score), "passed": .bool(passed),
            "subscores": .object(JSONObject(subscores.map { ($0.0, $0.1.map(JSONValue.double) ?? .null) })),
            "error_type": errorType.map(JSONValue.string) ?? .null,
            "details": details,
        ]
    }

    public static func == (a: ScoreResult, b: ScoreResult) -> Bool { a.json == b.json }
}

/// The endpoint configuration every provider receives: {"base_url": ..., "params": {...}}.
public enum ProviderConfig {
    /// The configured base URL without a trailing slash, or `fallback`; anything that is
    /// not http(s) is invalid input.
    public static func baseURL(_ config: JSONValue, default fallback: String) throws -> String {
        let url = config["base_url"]?.stringValue ?? fallback
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw PluginError.invalidInput("base_url must start with http:// or https://, got \"\(url)\"")
        }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
