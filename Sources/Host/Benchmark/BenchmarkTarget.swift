import HostMeasurement
import HostProviderCalls
import StudioJSON

/// One model on one configured endpoint, ready to benchmark.
public struct BenchmarkTarget: Sendable {
    /// Stable key of the target within a run: "<provider id>/<model id>".
    public let id: String
    public let providerID: String
    public let providerName: String
    public let model: String
    public let displayName: String
    public let endpoint: ProviderEndpoint
    /// Targets sharing an endpoint run one after another (no self-contention).
    public let endpointKey: String
    public let prices: Prices?
    public let contextWindow: Int?
    public let systemPrompt: String?
    /// Parameters after the provider's rules (ParameterValidator), sent as is.
    public let params: JSONObject
    /// The profile applied to the model, if any (its system prompt is `systemPrompt`).
    public let profile: String?

    public init(providerID: String, providerName: String, model: String, displayName: String? = nil,
                endpoint: ProviderEndpoint, endpointKey: String, prices: Prices?, contextWindow: Int?,
                systemPrompt: String?, params: JSONObject, profile: String? = nil) {
        self.profile = profile
        self.id = "\(providerID)/\(model)"
        self.providerID = providerID
        self.providerName = providerName
        self.model = model
        self.displayName = displayName ?? model
        self.endpoint = endpoint
        self.endpointKey = endpointKey
        self.prices = prices
        self.contextWindow = contextWindow
        self.systemPrompt = systemPrompt
        self.params = params
    }
}

extension BenchmarkTarget {
    /// The output limit this target's requests carry, under whichever name its provider's
    /// rules gave it; nil when it sends none (a model that skips max_tokens).
    public var maxOutputTokens: Int? {
        (params["max_tokens"] ?? params["max_completion_tokens"] ?? params["max_output_tokens"])?.intValue.map(Int.init)
    }
}
