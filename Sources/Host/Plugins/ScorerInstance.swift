import Dispatch
import PluginABI
import StudioJSON

/// One configured scorer, owned by the host. score is [any-thread].
public final class ScorerInstance: @unchecked Sendable {
    public let plugin: LoadedPlugin
    private let backend: Backend

    enum Backend {
        case local(UnsafeMutablePointer<studio_scorer_t>)
        case isolated(RemoteObject)
    }

    init(plugin: LoadedPlugin, backend: Backend) {
        self.plugin = plugin
        self.backend = backend
    }

    deinit {
        if case .local(let pointer) = backend { pointer.pointee.destroy?(pointer) }
    }

    /// Ends a score stuck in an isolated plugin, from another thread (see ProviderInstance).
    public func interrupt() {
        if case .isolated(let object) = backend { object.interrupt() }
    }

    /// Scores from async code: the call blocks a thread of its own, never one of the
    /// cooperative pool the server runs on, and cancelling the task ends a stuck isolated
    /// call (the score fails `cancelled`; this instance refuses later calls).
    public func scoreDetached(case testCase: JSONValue, output: JSONValue) async throws(PluginCallError) -> JSONValue {
        let caseBytes = Array(testCase.jsonString.utf8), outputBytes = Array(output.jsonString.utf8)
        if Task.isCancelled {
            throw PluginCallError(plugin: plugin.id, member: "score", status: PluginCallError.cancelled, message: "cancelled")
        }
        let result: Result<JSONValue, PluginCallError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(returning: Result { () throws(PluginCallError) -> JSONValue in
                        try self.score(caseBytes: caseBytes, outputBytes: outputBytes)
                    })
                }
            }
        } onCancel: {
            self.interrupt()
        }
        return try result.get()
    }

    /// Scores one output against one case: {"score","passed","subscores","error_type","details"}.
    public func score(case testCase: JSONValue, output: JSONValue) throws(PluginCallError) -> JSONValue {
        try score(caseJSON: testCase.jsonString, outputJSON: output.jsonString)
    }

    public func score(caseJSON: String, outputJSON: String) throws(PluginCallError) -> JSONValue {
        try score(caseBytes: Array(caseJSON.utf8), outputBytes: Array(outputJSON.utf8))
    }

    /// The bytes as given (the conformance checks feed invalid UTF-8 through here).
    public func score(caseBytes: [UInt8], outputBytes: [UInt8]) throws(PluginCallError) -> JSONValue {
        try PluginCallMetrics.measure(plugin: plugin.id, member: "score") { () throws(PluginCallError) -> JSONValue in
            try scoreUnmeasured(caseBytes: caseBytes, outputBytes: outputBytes)
        }
    }

    private func scoreUnmeasured(caseBytes: [UInt8], outputBytes: [UInt8]) throws(PluginCallError) -> JSONValue {
        let caseJSON = caseBytes, outputJSON = outputBytes
        let id = plugin.id
        let result: JSONValue
        switch backend {
        case .isolated(let object):
            var input = WireWriter()
            input.u32(UInt32(caseJSON.count))
            input.raw(caseJSON)
            input.raw(outputJSON)
            result = try object.jsonCall(member: "score", .score, payload: input.bytes,
                                         timeoutMilliseconds: object.plugin.library.deadlines.scoreMilliseconds)
        case .local(let pointer):
            let me = UnsafePointer(pointer)
            result = try caseJSON.withStudioStr { c throws(PluginCallError) in
                try outputJSON.withStudioStr { o throws(PluginCallError) in
                    try jsonCall(plugin: id, member: "score") { out, error in
                        me.pointee.score?(me, c, o, out, error) ?? studio_status_t(STUDIO_ERR_UNSUPPORTED)
                    }
                }
            }
        }
        guard let score = result["score"]?.doubleValue, score >= 0, score <= 1, result["passed"]?.boolValue != nil else {
            throw PluginCallError(plugin: id, member: "score", status: STUDIO_ERR_INTERNAL,
                                  message: "result must have score in 0...1 and a boolean passed, got \(result.jsonString.prefix(200))")
        }
        return result
    }
}
