import StudioJSON

/// `config.yaml`: benchmark defaults, provider endpoints and their models (docs/configuration.md).
/// The CLI benchmarks from it; the server seeds new users from it. API keys are never in
/// the file: a provider names the environment variable that holds its key.
public struct StudioConfig: Sendable {
    public struct Defaults: Sendable {
        /// Output tokens asked for when nobody says: the one default of benchmarks and
        /// evals, from the CLI, the API and schedules alike.
        public static let standardMaxTokens = 512
        /// A load test's requests: short answers, so a level measures the server's
        /// scheduling and streaming rather than one long generation.
        public static let loadTestMaxTokens = 64
        /// A judge's answer: a verdict with its reasoning, or a model's report card.
        public static let judgeMaxTokens = 1024

        public var runs = 3
        public var maxTokens = Defaults.standardMaxTokens
        public var temperature = 0.7
        public var contextTiers = [0]
        public var warmup = true
        public var prompt: String? = nil
        public init() {}
    }

    public struct Model: Sendable {
        public var id: String
        public var displayName: String?
        public var contextWindow: Int?
        public var maxOutput: Int?
        public var priceIn: Double?
        public var priceOut: Double?
        public var systemPrompt: String?
        public var skipParams: [String] = []
        public var params = JSONObject()
        /// The profile whose parameters and system prompt were applied (docs/tuning.md).
        public var profile: String?
        public init(id: String) { self.id = id }
    }

    public struct Provider: Sendable {
        public var id: String
        public var name: String
        public var plugin: String
        /// A URL, or "simulator" for the built-in simulator.
        public var baseURL: String
        public var apiKeyEnv: String?
        /// A plugin's preset (`groq`, `vllm`, …): its plugin, base URL and key variable fill
        /// what the provider leaves out, and its parameter rules apply (TargetResolver).
        public var preset: String?
        public var params = JSONObject()
        public var models: [Model]

        public var usesSimulator: Bool { baseURL == StudioConfig.simulatorURL }

        public init(id: String, name: String, plugin: String, baseURL: String, apiKeyEnv: String?, models: [Model]) {
            self.id = id
            self.name = name
            self.plugin = plugin
            self.baseURL = baseURL
            self.apiKeyEnv = apiKeyEnv
            self.models = models
        }
    }

    public static let simulatorURL = "simulator"

    public var defaults = Defaults()
    public var providers: [Provider] = []

    public struct Invalid: Error, CustomStringConvertible {
        /// Path of the offending field, e.g. providers[0].models[1].price_in.
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    public init(defaults: Defaults = Defaults(), providers: [Provider] = []) {
        self.defaults = defaults
        self.providers = providers
    }

    /// Parses YAML (or JSON, which is YAML) and checks every field.
    public init(yaml text: String) throws(Invalid) {
        let root: JSONValue
        do { root = try YAMLJSON.parse(text) } catch { throw Invalid(field: "config", message: error.description) }
        try self.init(json: root)
    }

    public init(json root: JSONValue) throws(Invalid) {
        guard let top = root.objectValue else { throw Invalid(field: "config", message: "must be a mapping") }
        try Self.onlyKeys(top, ["defaults", "providers"], at: "config")
        if let d = root["defaults"] {
            guard let o = d.objectValue else { throw Invalid(field: "defaults", message: "must be a mapping") }
            try Self.onlyKeys(o, ["runs", "max_tokens", "temperature", "context_tiers", "warmup", "prompt"], at: "defaults")
            if let v = d["runs"] { defaults.runs = try Self.int(v, "defaults.runs", 1...20) }
            if let v = d["max_tokens"] { defaults.maxTokens = try Self.int(v, "defaults.max_tokens", 1...1_000_000) }
            if let v = d["temperature"] {
                guard let t = v.doubleValue, t >= 0 else { throw Invalid(field: "defaults.temperature", message: "must be a number ≥ 0") }
                defaults.temperature = t
            }
            if let v = d["context_tiers"] {
                guard let list = v.arrayValue, !list.isEmpty else { throw Invalid(field: "defaults.context_tiers", message: "must be a non-empty list") }
                defaults.contextTiers = try list.enumerated().map { i, t throws(Invalid) in try Self.int(t, "defaults.context_tiers[\(i)]", 0...2_000_000) }
            }
            if let v = d["warmup"] {
                guard let b = v.boolValue else { throw Invalid(field: "defaults.warmup", message: "must be true or false") }
                defaults.warmup = b
            }
            if let v = d["prompt"] {
                guard let p = v.stringValue, !p.isEmpty else { throw Invalid(field: "defaults.prompt", message: "must be a non-empty string") }
                defaults.prompt = p
            }
        }
        guard let list = root["providers"]?.arrayValue else {
            throw Invalid(field: "providers", message: "a list of providers is required")
        }
        var seen = Set<String>()
        for (i, p) in list.enumerated() {
            let at = "providers[\(i)]"
            guard let o = p.objectValue else { throw Invalid(field: at, message: "must be a mapping") }
            try Self.onlyKeys(o, ["id", "name", "preset", "plugin", "base_url", "api_key_env", "params", "models"], at: at)
            let id = try Self.string(p["id"], "\(at).id")
            guard id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw Invalid(field: "\(at).id", message: "use letters, digits, - and _ only")
            }
            guard seen.insert(id).inserted else { throw Invalid(field: "\(at).id", message: "duplicate provider id \"\(id)\"") }
            // With a preset, plugin and base_url may be left out: the preset gives them.
            let preset = try p["preset"].map { v throws(Invalid) in try Self.string(v, "\(at).preset") }
            let baseURL = preset != nil && p["base_url"] == nil ? "" : try Self.string(p["base_url"], "\(at).base_url")
            guard baseURL.isEmpty || baseURL == Self.simulatorURL || baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
                throw Invalid(field: "\(at).base_url", message: "must be an http(s) URL or \"simulator\"")
            }
            let plugin = preset != nil && p["plugin"] == nil ? "" : try Self.string(p["plugin"], "\(at).plugin")
            var provider = Provider(id: id, name: p["name"]?.stringValue ?? id, plugin: plugin,
                                    baseURL: baseURL, apiKeyEnv: p["api_key_env"]?.stringValue, models: [])
            provider.preset = preset
            if let params = p["params"] {
                guard let o = params.objectValue else { throw Invalid(field: "\(at).params", message: "must be a mapping") }
                provider.params = o
            }
            guard let models = p["models"]?.arrayValue, !models.isEmpty else {
                throw Invalid(field: "\(at).models", message: "a non-empty list of models is required")
            }
            for (j, m) in models.enumerated() {
                let mat = "\(at).models[\(j)]"
                guard let mo = m.objectValue else { throw Invalid(field: mat, message: "must be a mapping") }
                try Self.onlyKeys(mo, ["id", "display_name", "context_window", "max_output", "price_in", "price_out",
                                       "system_prompt", "skip_params", "params"], at: mat)
                var model = Model(id: try Self.string(m["id"], "\(mat).id"))
                model.displayName = m["display_name"]?.stringValue
                if let v = m["context_window"] { model.contextWindow = try Self.int(v, "\(mat).context_window", 1...100_000_000) }
                if let v = m["max_output"] { model.maxOutput = try Self.int(v, "\(mat).max_output", 1...100_000_000) }
                if let v = m["price_in"] { model.priceIn = try Self.price(v, "\(mat).price_in") }
                if let v = m["price_out"] { model.priceOut = try Self.price(v, "\(mat).price_out") }
                model.systemPrompt = m["system_prompt"]?.stringValue
                model.skipParams = m["skip_params"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if let params = m["params"] {
                    guard let o = params.objectValue else { throw Invalid(field: "\(mat).params", message: "must be a mapping") }
                    model.params = o
                }
                provider.models.append(model)
            }
            providers.append(provider)
        }
    }

    private static func onlyKeys(_ object: JSONObject, _ allowed: Set<String>, at path: String) throws(Invalid) {
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw Invalid(field: "\(path).\(unknown)", message: "unknown field (known: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private static func string(_ value: JSONValue?, _ field: String) throws(Invalid) -> String {
        guard let s = value?.stringValue, !s.isEmpty else { throw Invalid(field: field, message: "a non-empty string is required") }
        return s
    }

    private static func int(_ value: JSONValue, _ field: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int {
        guard case .int(let i) = value, range.contains(Int(i)) else {
            throw Invalid(field: field, message: "must be a whole number in \(range.lowerBound)...\(range.upperBound), got \(value.jsonString)")
        }
        return Int(i)
    }

    private static func price(_ value: JSONValue, _ field: String) throws(Invalid) -> Double {
        guard let d = value.doubleValue, d >= 0 else { throw Invalid(field: field, message: "must be a number ≥ 0 (USD per million tokens)") }
        return d
    }
}

extension StudioConfig {
    /// The built-in configuration: the simulator behind each wire format, so that a first
    /// `studio bench` or `studio serve` works offline. config.example.yaml is this text
    /// plus commented real providers (a test keeps the two in step).
    public static let defaultYAML = """
        # LLM Benchmark Studio configuration.
        # API keys never go in this file: name the environment variable that holds one.
        defaults:
          runs: 3
          max_tokens: 128
          temperature: 0.7
          context_tiers: [0]
          warmup: true

        providers:
          # The built-in simulator speaks each provider's wire format over real HTTP on
          # loopback, with deterministic timing chosen by the model name (docs/simulator.md).
          - id: sim-openai
            name: Simulator (OpenAI wire format)
            plugin: openai
            base_url: simulator
            models:
              - id: sim-ttft80-gap10-tok128
                display_name: Simulated fast model
                context_window: 128000
                price_in: 0.15
                price_out: 0.60
              - id: sim-ttft300-gap25-tok128
                display_name: Simulated slow model
                context_window: 32000
                price_in: 2.50
                price_out: 10.00
          - id: sim-anthropic
            name: Simulator (Anthropic wire format)
            plugin: anthropic
            base_url: simulator
            models:
              - id: sim-ttft150-gap12-tok128
                display_name: Simulated Anthropic-style model
                context_window: 200000
                price_in: 3.00
                price_out: 15.00
          - id: sim-gemini
            name: Simulator (Gemini wire format)
            plugin: gemini
            base_url: simulator
            models:
              - id: sim-ttft120-gap8-tok128
                display_name: Simulated Gemini-style model
                context_window: 1048576
                price_in: 0.30
                price_out: 2.50
        """

    public static var builtIn: StudioConfig { try! StudioConfig(yaml: defaultYAML) }
}

extension StudioConfig.Provider {
    /// The parameters one model's requests carry, before the provider plugin's rules run:
    /// the provider's, then the run's temperature and max_tokens, then the model's own;
    /// a name in the model's `skip_params` is never sent. The one merge behind targets,
    /// request checks and every job.
    public func requestParams(for model: StudioConfig.Model, defaults: StudioConfig.Defaults) -> JSONObject {
        var merged = params
        merged["temperature"] = .double(defaults.temperature)
        merged["max_tokens"] = .int(Int64(defaults.maxTokens))
        for (name, value) in model.params { merged[name] = value }
        for name in model.skipParams { merged[name] = nil }
        return merged
    }
}
