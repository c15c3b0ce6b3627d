import HostAuth
import HostBenchmark
import HostConfig
import HostMeasurement
import HostParams
import HostPlugins
import HostProviderCalls
import HostStorage
import HostTransport
import StudioJSON

/// What a benchmark request must pass before it is queued (by the API, by "run now" and
/// by each scheduled firing, since the user's configuration may change in between).
public enum BenchmarkRequestCheck {
    public struct Problem: Error, CustomStringConvertible {
        /// The field at fault, as the user wrote it (`targets[1]`, `params`).
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    public struct Checked: Sendable {
        /// Every parameter the provider rules changed, with the target it applies to.
        public var adjustments: [JSONValue] = []
        public var warnings: [JSONValue] = []
    }

    public static func check(userID: String, request: BenchmarkRequest, configuration: UserConfiguration,
                             plugins: PluginRegistry) async throws -> Checked {
        if let (index, reason) = try await configuration.missingTargets(userID: userID, request: request) {
            throw Problem(field: "targets[\(index)]", message: reason)
        }
        var checked = Checked()
        let config = try await configuration.config(userID: userID, request: request)
        for provider in config.providers {
            guard let plugin = plugins.provider(id: provider.plugin) else {
                throw Problem(field: "targets", message: "provider \"\(provider.id)\" uses plugin \"\(provider.plugin)\", which is not loaded")
            }
            let validator = ParameterValidator(provider: plugin.providerRules(preset: provider.preset))
            for model in provider.models {
                let result = validator.validate(provider.requestParams(for: model, defaults: config.defaults), model: model.id)
                let target = JSONValue.string("\(provider.id)/\(model.id)")
                if let error = result.errors.first { throw Problem(field: "params", message: "\(provider.id)/\(model.id): \(error)") }
                checked.adjustments += result.adjustments.map { adjustment in
                    var json = adjustment.json.objectValue ?? [:]
                    json["target"] = target
                    return .object(json)
                }
                checked.warnings += result.warnings.map { ["target": target, "warning": .string($0)] }
            }
        }
        return checked
    }
}
