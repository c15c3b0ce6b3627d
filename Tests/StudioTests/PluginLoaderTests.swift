import Foundation
import HostPlugins
import StudioJSON
import Testing

/// The loader refuses every broken library with its own named error and stays alive.
@Suite struct PluginLoaderTests {
    static let fixtureSource = TestSupport.packageRoot.appendingPathComponent("Tests/StudioTests/Fixtures/fixture_plugin.c").path

    /// Builds the fixture with the given defines into a fresh file (one image per case:
    /// the loader caches by path, as dlopen does).
    static func fixture(_ name: String, _ defines: [String] = []) throws -> String {
        let dir = TestSupport.temporaryDirectory("fixture-\(name)")
        let path = dir.appendingPathComponent("lib\(name).so").path
        try TestSupport.buildCPlugin(sources: [fixtureSource], output: path, extraFlags: defines.map { "-D" + $0 })
        return path
    }

    static let brokenCases: [(String, [String], String)] = [
        ("noentry", ["FIXTURE_NO_ENTRY"], "no_entry_point"),
        ("entrynull", ["FIXTURE_ENTRY_NULL"], "entry_refused"),
        ("wrongmajor", ["FIXTURE_ABI=STUDIO_ABI_MAKE_VERSION(2,0)"], "abi_mismatch"),
        ("toosmall", ["FIXTURE_SIZE=8"], "descriptor_too_small"),
        ("notjson", [#"FIXTURE_MANIFEST="not json {""#], "manifest_invalid"),
        ("badschema", [#"FIXTURE_MANIFEST="{\"id\":\"Bad Id\",\"name\":\"x\",\"version\":\"1\",\"abi\":\"1.0\",\"kinds\":[]}""#], "manifest_invalid"),
        ("unresolved", ["FIXTURE_UNRESOLVED"], "unresolved_symbol"),
        ("initfails", ["FIXTURE_INIT_FAILS"], "init_failed"),
        ("nofactory", ["FIXTURE_NO_FACTORY"], "missing_factory"),
        ("oldswift", [#"FIXTURE_MANIFEST="{\"id\":\"oldswift\",\"name\":\"x\",\"version\":\"1.0.0\",\"abi\":\"1.0\",\"language\":\"swift\",\"swift_toolchain\":\"swift-5.9\",\"kinds\":[\"scorer\"],\"scorer\":{}}""#], "toolchain_mismatch"),
    ]

    @Test(arguments: brokenCases.map { $0.0 })
    func brokenLibraryIsRefusedWithANamedError(name: String) throws {
        let (_, defines, code) = Self.brokenCases.first { $0.0 == name }!
        let path = try Self.fixture(name, defines)
        do {
            _ = try PluginLoader.load(path: path)
            Issue.record("\(name) loaded but should have been refused with \(code)")
        } catch {
            #expect(error.code == code, "\(name): \(error)")
            #expect(error.description.contains(path), "the message names the file: \(error)")
        }
    }

    @Test func notAnELFFileIsRefused() throws {
        let dir = TestSupport.temporaryDirectory("notelf")
        let path = dir.appendingPathComponent("libtext.so").path
        try "just text".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: PluginLoadError.self) { try PluginLoader.load(path: path) }
        do { _ = try PluginLoader.load(path: path) } catch {
            #expect(error.code == "not_a_shared_library")
            #expect(error.description == "[\(path)] is not a shared library (no ELF header)")
        }
    }

    @Test func missingFileIsNamed() {
        do { _ = try PluginLoader.load(path: "/nonexistent/libnothing.so") } catch {
            #expect(error.code == "file_not_found")
        }
    }

    @Test func goodFixtureLoadsAndScores() throws {
        let path = try Self.fixture("good")
        let plugin = try PluginLoader.load(path: path)
        #expect(plugin.id == "fixture")
        #expect(plugin.kinds == ["scorer"])
        #expect(plugin.sha256.count == 64)
        let result = try plugin.makeScorer().score(case: [:], output: [:])
        #expect(result["score"]?.doubleValue == 0.5)
        // Loading the same library again returns the same image, init not run twice.
        let again = try PluginLoader.load(path: path)
        #expect(again === plugin)
    }

    @Test func checksumRecordedAtInstallIsEnforced() throws {
        let path = try Self.fixture("checksum")
        let plugin = try PluginLoader.load(path: path)
        #expect(try PluginLoader.load(path: path, recordedChecksum: plugin.sha256) === plugin)
        let wrong = String(repeating: "0", count: 64)
        do {
            _ = try PluginLoader.load(path: path, recordedChecksum: wrong)
            Issue.record("a changed checksum was accepted")
        } catch {
            #expect(error.code == "checksum_changed")
        }
    }

    @Test func allShippedPluginsLoadTogetherAndDuplicatesAreReported() throws {
        // The Swift plugins (SwiftPM dynamic products next to the test runner) and the C
        // plugin (built with cc) in one process, listed through the search path.
        let duplicateDir = TestSupport.temporaryDirectory("dup")
        try FileManager.default.copyItem(atPath: TestSupport.exactArgsPath,
                                         toPath: duplicateDir.appendingPathComponent("libcopy.so").path)
        let registry = PluginRegistry(searchPath: [
            .init(path: TestSupport.cPluginFolder.path),
            .init(path: TestSupport.buildDirectory.path, prefixedOnly: true),
            .init(path: duplicateDir.path),
        ])
        let ids = Set(registry.plugins.map(\.id))
        #expect(ids.isSuperset(of: ["openai", "toolcall", "exact-args"]), "loaded: \(ids), refused: \(registry.failures)")
        #expect(registry.provider(id: "openai") != nil)
        #expect(registry.scorer(id: "toolcall") != nil)
        #expect(registry.scorer(id: "exact-args")?.manifest.language == "c")
        let duplicate = registry.failures.first { $0.code == "duplicate_id" && $0.path.hasSuffix("libcopy.so") }
        #expect(duplicate != nil, "failures: \(registry.failures)")
        #expect(duplicate?.description.contains("already provided by [\(TestSupport.exactArgsPath)]") == true)
    }
}
