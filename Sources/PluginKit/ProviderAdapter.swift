import StudioJSON

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
