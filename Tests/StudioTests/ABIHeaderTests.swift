import Foundation
import PluginABI
import Testing
import HostPlugins

/// The ABI headers are the contract: they must compile cleanly for C and C++ plugin
/// authors, and their 1.0 layout must never change without a version bump.
@Suite struct ABIHeaderTests {
    static let probe = """
        #include <studio/studio.h>
        static const studio_stream_event_t *last;
        static void on_event(void *data, const studio_stream_event_t *e) { (void)data; last = e; }
        int studio_header_probe(const studio_host_t *host) {
            studio_emit_fn emit = on_event;
            (void)emit;
            if (!STUDIO_HAS_MEMBER(host, studio_host_t, get_extension)) return -1;
            return studio_abi_version_is_compatible(STUDIO_ABI_VERSION, host->abi_version) ? STUDIO_OK : STUDIO_ERR_INTERNAL;
        }
        """

    @Test(arguments: [("c11", false), ("c17", false), ("c++17", true)])
    func headersCompileWarningFree(standard: String, cplusplus: Bool) throws {
        let dir = TestSupport.temporaryDirectory("abi-headers")
        let file = dir.appendingPathComponent(cplusplus ? "probe.cpp" : "probe.c")
        try Self.probe.write(to: file, atomically: true, encoding: .utf8)
        let compiler = cplusplus ? TestSupport.cxx : TestSupport.cc
        let result = try TestSupport.run(compiler, ["-std=\(standard)", "-Wall", "-Wextra", "-pedantic", "-Werror",
                                                    "-I", TestSupport.abiInclude, "-c", file.path, "-o", dir.appendingPathComponent("probe.o").path])
        #expect(result.status == 0, "headers do not compile as \(standard): \(result.stderr)")
    }

    /// ABI 1.0 layouts (LP64). Adding a member to any struct changes its size: that must
    /// come with a minor version bump (and a new line here), never silently.
    @Test func layoutIsFrozenForThisVersion() {
        #expect(STUDIO_ABI_VERSION_MAJOR == 1)
        guard STUDIO_ABI_VERSION_MINOR == 0 else { return }
        #expect(MemoryLayout<studio_plugin_descriptor_t>.size == 32)
        #expect(MemoryLayout<studio_plugin_descriptor_t>.size == ABIVersion.descriptorSizeV1_0)
        #expect(MemoryLayout<studio_host_t>.size == 64)
        #expect(MemoryLayout<studio_sink_t>.size == 16)
        #expect(MemoryLayout<studio_str_t>.size == 16)
        #expect(MemoryLayout<studio_stream_event_t>.size == 112)
        #expect(MemoryLayout<studio_stream_decoder_t>.size == 40)
        #expect(MemoryLayout<studio_provider_t>.size == 72)
        #expect(MemoryLayout<studio_provider_factory_t>.size == 16)
        #expect(MemoryLayout<studio_scorer_t>.size == 32)
        #expect(MemoryLayout<studio_scorer_factory_t>.size == 16)
    }

    @Test func versionPackingMatchesTheHeader() {
        let v = ABIVersion((1 << 16) | 7)
        #expect(v.major == 1 && v.minor == 7 && v.description == "1.7")
        #expect(ABIVersion.host.major == UInt32(STUDIO_ABI_VERSION_MAJOR))
    }
}
