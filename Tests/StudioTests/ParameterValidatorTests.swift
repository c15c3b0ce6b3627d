import Foundation
import HostParams
import HostPlugins
import StudioJSON
import Testing

/// docs/configuration.md, through the rules the shipped plugins declare in their manifests.
@Suite struct ParameterValidatorTests {
    static func validator(_ path: String) -> ParameterValidator {
        ParameterValidator(provider: try! PluginLoader.load(path: path).manifest.provider)
    }
    static let openAI = validator(TestSupport.openAIPath)
    static let anthropic = validator(TestSupport.buildDirectory.appendingPathComponent("libstudio_anthropic.so").path)
    static let gemini = validator(TestSupport.buildDirectory.appendingPathComponent("libstudio_gemini.so").path)

    @Test func outOfRangeIsClampedWithAWarning() {
        let r = Self.openAI.validate(["temperature": 3.5, "frequency_penalty": -5], model: "gpt-4o")
        #expect(r.valid)
        #expect(r.resolved["temperature"] == 2)
        #expect(r.resolved["frequency_penalty"] == -2)
        #expect(r.adjustments.map(\.action) == ["clamped", "clamped"])
        #expect(r.warnings.contains { $0.contains("temperature") })
    }

    @Test func anthropicTemperatureRangeIsZeroToOne() {
        let r = Self.anthropic.validate(["temperature": 1.5, "max_tokens": 100], model: "claude-sonnet-4-5")
        #expect(r.resolved["temperature"] == 1)
    }

    @Test func anthropicDropsTopPWhenTemperatureIsSet() {
        let r = Self.anthropic.validate(["temperature": 0.5, "top_p": 0.9, "max_tokens": 100], model: "claude-haiku-4-5")
        #expect(r.resolved["top_p"] == nil)
        #expect(r.adjustments.contains { $0.param == "top_p" && $0.action == "dropped" })
    }

    @Test func anthropicRequiresMaxTokensAndDefaultsIt() {
        let r = Self.anthropic.validate(["temperature": 0.5], model: "claude-haiku-4-5")
        #expect(r.resolved["max_tokens"] == 1024)
        #expect(r.adjustments.contains { $0.action == "defaulted" })
    }

    @Test func unsupportedParametersAreDroppedWithTheReason() {
        let r = Self.openAI.validate(["top_k": 40], model: "gpt-4o")
        #expect(r.resolved["top_k"] == nil)
        #expect(r.adjustments.first?.reason.contains("top_k") == true)
        let g = Self.gemini.validate(["top_k": 500], model: "gemini-2.5-flash")
        #expect(g.resolved["top_k"] == 100, "Gemini's top_k range is 1-100")
    }

    @Test func reasoningModelsLockTemperatureAndRenameMaxTokens() {
        let r = Self.openAI.validate(["temperature": 0.2, "max_tokens": 900, "top_p": 0.5], model: "o4-mini")
        #expect(r.resolved["temperature"] == 1)
        #expect(r.resolved["max_tokens"] == nil)
        #expect(r.resolved["max_completion_tokens"] == 900)
        #expect(r.resolved["top_p"] == nil)
        #expect(Set(r.adjustments.map(\.action)) == ["locked", "renamed", "dropped"])
        let normal = Self.openAI.validate(["temperature": 0.2, "max_tokens": 900], model: "gpt-4o")
        #expect(normal.adjustments.isEmpty && normal.resolved["max_tokens"] == 900)
    }

    @Test func unknownParametersPassThroughWithAWarning() {
        let r = Self.openAI.validate(["logit_bias": ["50256": -100]], model: "gpt-4o")
        #expect(r.valid)
        #expect(r.resolved["logit_bias"] != nil)
        #expect(r.warnings.contains { $0.contains("logit_bias") && $0.contains("passed through") })
    }

    @Test func wrongTypesAreErrorsNamingTheParameter() {
        let r = Self.openAI.validate(["temperature": "hot", "reasoning_effort": "extreme"], model: "gpt-4o")
        #expect(!r.valid)
        #expect(r.errors.contains { $0.hasPrefix("temperature") })
        #expect(r.errors.contains { $0.hasPrefix("reasoning_effort") })
    }

    @Test func stopIsWrappedAndTruncated() {
        let r = Self.openAI.validate(["stop": "END"], model: "gpt-4o")
        #expect(r.resolved["stop"] == ["END"])
        let many = Self.openAI.validate(["stop": ["a", "b", "c", "d", "e"]], model: "gpt-4o")
        #expect(many.resolved["stop"]?.arrayValue?.count == 4)
    }
}
