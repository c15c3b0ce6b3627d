import Foundation
import HostBenchmark
import HostConfig
import StudioJSON
import Testing

@Suite struct ConfigTests {
    @Test func builtInConfigurationBenchmarksTheSimulator() {
        let config = StudioConfig.builtIn
        #expect(config.providers.count == 3)
        #expect(config.providers.allSatisfy { $0.usesSimulator })
        #expect(Set(config.providers.map(\.plugin)) == ["openai", "anthropic", "gemini"])
    }

    /// config.example.yaml is the built-in configuration plus commented real providers.
    @Test func exampleFileMatchesTheBuiltInConfiguration() throws {
        let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("config.example.yaml"), encoding: .utf8)
        let example = try YAMLJSON.parse(text), builtIn = try YAMLJSON.parse(StudioConfig.defaultYAML)
        #expect(example == builtIn)
    }

    @Test func yamlScalarsAreTypedTheJSONWay() throws {
        let v = try YAMLJSON.parse("a: 5\nb: 5.0\nc: \"5\"\nd: true\ne: ~\nf: [1, two]\n")
        #expect(v["a"] == .int(5))
        if case .double? = v["b"] {} else { Issue.record("5.0 must be a float") }
        #expect(v["c"] == "5")
        #expect(v["d"] == true)
        #expect(v["e"] == .null)
        #expect(v["f"] == [1, "two"])
    }

    @Test(arguments: [
        ("providers: []\nextra: 1", "config.extra"),
        ("defaults:\n  runs: 50\nproviders: []", "defaults.runs"),
        ("providers:\n  - id: x\n    plugin: openai\n    base_url: ftp://x\n    models: [{id: m}]", "providers[0].base_url"),
        ("providers:\n  - id: x\n    plugin: openai\n    base_url: simulator\n    models: [{id: m, price_in: -1}]", "providers[0].models[0].price_in"),
        ("providers:\n  - id: x\n    plugin: openai\n    base_url: simulator\n    models: []", "providers[0].models"),
        ("providers:\n  - {id: x, plugin: openai, base_url: simulator, models: [{id: m}]}\n  - {id: x, plugin: openai, base_url: simulator, models: [{id: m}]}", "providers[1].id"),
        ("defaults: [1", "config"),
    ])
    func badConfigurationNamesTheField(yaml: String, field: String) {
        do {
            _ = try StudioConfig(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test func fillerIsDeterministicAndSized() {
        let a = ContextFiller.text(tokens: 1000), b = ContextFiller.text(tokens: 1000)
        #expect(a == b)
        #expect(abs(a.utf8.count - 4000) < 20)
        #expect(ContextFiller.text(tokens: 0).isEmpty)
    }
}
