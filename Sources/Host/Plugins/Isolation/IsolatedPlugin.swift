import Foundation
import PluginABI
import StudioJSON
import Synchronization

/// A plugin library that runs out of process: a small pool of runner processes, the
/// deadlines of its calls, and the quarantine that refuses it after repeated crashes or
/// timeouts. The host reaches it through the same ProviderInstance, ScorerInstance and
/// StreamDecoderHandle as an in-process plugin (docs/plugins.md, "Isolation and trust").
public final class IsolatedPlugin: Sendable {
    /// What a runner needs to start this library.
    public struct Library: Sendable {
        public var path: String
        /// The SHA-256 the host trusts; the runner refuses other bytes. Nil: any.
        public var sha256: String?
        public var limits: PluginRunnerServer.Limits
        public var deadlines: PluginDeadlines
        /// The executable that serves `studio plugin-runner`.
        public var runnerExecutable: String
    }

    /// Crashes and timeouts tolerated within `quarantineWindow` before the plugin is refused.
    public static let quarantineFailures = 3
    public static let quarantineWindowSeconds: Double = 600

    public let library: Library
    /// Up to this many runners, started as instances are made; an instance stays on its
    /// runner for its life, so one stuck call holds up only the instances beside it.
    let maxRunners: Int
    private let runners: Mutex<[(runner: PluginRunner, objects: Int)]>
    private let health = Mutex<(failures: [Double], quarantine: String?)>(([], nil))

    init(library: Library, maxRunners: Int = 2) {
        self.library = library
        self.maxRunners = max(1, maxRunners)
        runners = Mutex([])
    }

    /// Starts the first runner and has it load the library: the manifest it answers with,
    /// or why the library is refused.
    func load() throws(PluginLoadError) -> JSONValue {
        let runner = PluginRunner(library: library)
        do throws(PluginRunner.Failure) {
            try runner.start()
        } catch {
            if case .failure(let refusal)? = runner.loadAnswer { throw refusal }
            throw PluginLoadError(path: library.path, reason: .runnerRefused(code: Self.code(error), message: Self.describe(error, library: library)))
        }
        guard case .success(let answer)? = runner.loadAnswer else {
            throw PluginLoadError(path: library.path, reason: .runnerRefused(code: "runner_failed", message: "the runner gave no answer"))
        }
        runners.withLock { $0.append((runner, 0)) }
        let manifest = (answer["manifest"]?.stringValue).flatMap { try? JSONParser.parse($0) }
        loadedID.withLock { $0 = manifest?["id"]?.stringValue }
        return answer
    }

    /// Why calls are refused, when the plugin is quarantined.
    public var quarantineReason: String? { health.withLock { $0.quarantine } }

    /// Lets calls through again (an admin's decision) and forgets past failures.
    public func release() { health.withLock { $0 = ([], nil) } }

    /// Refuses calls from now on, with `reason`.
    func quarantine(_ reason: String, notify: Bool) {
        let fresh = health.withLock { h -> Bool in
            defer { if h.quarantine == nil { h.quarantine = reason } }
            return h.quarantine == nil
        }
        if fresh && notify { onQuarantine?(pluginID, reason) }
    }

    /// Set once by the registry that made this plugin.
    nonisolated(unsafe) var onQuarantine: (@Sendable (String, String) -> Void)?

    /// Stops every runner (server shutdown); the next call starts them again.
    public func stopRunners() { runners.withLock { $0 }.forEach { $0.runner.stop() } }

    /// What the running runners hold, and the requests sent to any runner of this plugin
    /// so far. Asking costs each running runner one request (not counted); runners not
    /// started are skipped.
    public struct Census: Sendable, Equatable {
        public var providers = 0, scorers = 0, decoders = 0
        public var requestsSent = 0
    }

    public func census() -> Census {
        var census = Census()
        for (runner, _) in runners.withLock({ $0 }) {
            census.requestsSent += runner.requestsSent.load(ordering: .relaxed)
            guard runner.generation > 0, let answer = try? runner.callIfRunning(.census, timeoutMilliseconds: library.deadlines.requestMilliseconds),
                  answer.status == STUDIO_OK else { continue }
            var r = WireReader(answer.payload)
            census.providers += Int((try? r.u32()) ?? 0)
            census.scorers += Int((try? r.u32()) ?? 0)
            census.decoders += Int((try? r.u32()) ?? 0)
        }
        return census
    }

    /// The runner a new object goes to: the least used, or a fresh one while under the cap.
    func assignRunner() -> PluginRunner {
        runners.withLock { pool in
            let index: Int
            if let least = pool.indices.min(by: { pool[$0].objects < pool[$1].objects }),
               pool[least].objects == 0 || pool.count >= maxRunners {
                index = least
            } else {
                pool.append((PluginRunner(library: library), 0))
                index = pool.count - 1
            }
            pool[index].objects += 1
            return pool[index].runner
        }
    }

    func releaseRunner(_ runner: PluginRunner) {
        runners.withLock { pool in
            if let i = pool.firstIndex(where: { $0.runner === runner }) { pool[i].objects -= 1 }
        }
    }

    /// One call through `runner` with `member`'s deadline; the process-level failures
    /// become named PluginCallErrors and count toward quarantine.
    func call(_ runner: PluginRunner, member: String, _ op: RunnerWire.Op, handle: UInt32 = 0, aux: UInt32 = 0,
              payload: [UInt8], timeoutMilliseconds: Int, caller: UInt32 = 0) throws(PluginCallError) -> (status: Int32, payload: [UInt8]) {
        if let reason = quarantineReason {
            throw PluginCallError(plugin: pluginID, member: member, status: PluginCallError.quarantined, message: reason)
        }
        do throws(PluginRunner.Failure) {
            return try runner.call(op, handle: handle, aux: aux, payload: payload, timeoutMilliseconds: timeoutMilliseconds, caller: caller)
        } catch {
            let status: studio_status_t
            switch error {
            case .cancelled: status = PluginCallError.cancelled
            case .timedOut: status = PluginCallError.timedOut
            default: status = PluginCallError.crashed
            }
            if status != PluginCallError.cancelled { recordFailure("\(member): \(Self.describe(error, library: library))") }
            throw PluginCallError(plugin: pluginID, member: member, status: status, message: Self.describe(error, library: library))
        }
    }

    /// The id the manifest gave, once loaded (for error messages before that, the file).
    var pluginID: String { loadedID.withLock { $0 } ?? URL(fileURLWithPath: library.path).lastPathComponent }
    private let loadedID = Mutex<String?>(nil)

    private func recordFailure(_ what: String) {
        let now = Date().timeIntervalSince1970
        let count = health.withLock { h -> Int in
            h.failures = h.failures.filter { now - $0 < Self.quarantineWindowSeconds } + [now]
            return h.failures.count
        }
        if count >= Self.quarantineFailures {
            quarantine("quarantined after \(count) crashes or timeouts within \(Int(Self.quarantineWindowSeconds / 60)) minutes; last: \(what)", notify: true)
        }
    }

    static func code(_ failure: PluginRunner.Failure) -> String {
        switch failure {
        case .crashed: return "plugin_crashed"
        case .timedOut: return "plugin_timeout"
        case .cancelled: return "cancelled"
        case .spawn: return "runner_failed"
        case .protocolViolation: return "plugin_crashed"
        case .loadRefused: return "runner_failed"
        }
    }

    static func describe(_ failure: PluginRunner.Failure, library: Library) -> String {
        switch failure {
        case .crashed(let how) where how.hasPrefix("signal SIGSYS"):
            return "the sandbox stopped the plugin (\(how)): it tried a system call no plugin may make (network, fork, exec or tracing)"
        case .crashed(let how): return "the plugin crashed (\(how))"
        case .timedOut(let ms): return "the plugin did not answer within its deadline of \(ms) ms"
        case .cancelled: return "cancelled while the plugin was working"
        case .spawn(let why): return "the plugin runner could not start: \(why)"
        case .protocolViolation(let what): return "the plugin runner broke the protocol: \(what)"
        case .loadRefused(let why): return why
        }
    }
}

extension PluginCallError {
    /// Host-side outcomes of an isolated call (outside the ABI's status range).
    public static let crashed: studio_status_t = -1
    public static let timedOut: studio_status_t = -2
    public static let cancelled: studio_status_t = -3
    public static let quarantined: studio_status_t = -4

    /// The plugin's process failed (crash or missed deadline): the call may be retried
    /// once the runner restarts, and the record names the failure.
    public var isRunnerFailure: Bool { [Self.crashed, Self.timedOut].contains(status) }
}
