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
