import PluginABI
import StudioJSON
import Synchronization

/// A provider or scorer made inside a runner process. The host keeps its config, so after
/// the runner restarts (a crash, a missed deadline, a cancel) the object is made again in
/// the fresh process on its next use. Ids are the host's and never reused, so a stale id
/// can only be refused by the runner, never land on another object.
final class RemoteObject: Sendable {
    enum Kind: Sendable { case provider, scorer }

    let plugin: IsolatedPlugin
    let runner: PluginRunner
    let kind: Kind
    let id: UInt32
    private let config: [UInt8]
    /// The runner generation the object exists in (0: none yet).
    private let madeIn = Mutex(0)
    /// Set by `interrupt`: every later call fails `cancelled` (its job is ending).
    private let cancelled = Atomic<Bool>(false)

    private static let ids = Atomic<UInt32>(1)
    static func nextID() -> UInt32 { ids.add(1, ordering: .relaxed).oldValue }

    init(plugin: IsolatedPlugin, kind: Kind, config: JSONValue) throws(PluginCallError) {
        self.plugin = plugin
        self.kind = kind
        self.config = Array(config.jsonString.utf8)
        runner = plugin.assignRunner()
        id = Self.nextID()
        do { try make() } catch {
            plugin.releaseRunner(runner)
            throw error
        }
    }

    deinit {
        let generation = madeIn.withLock { $0 }
        if generation > 0 { runner.post(kind == .provider ? .destroyProvider : .destroyScorer, handle: id, generation: generation) }
        plugin.releaseRunner(runner)
    }

    private var createMember: String { kind == .provider ? "provider.create" : "scorer.create" }

    private func make() throws(PluginCallError) {
        let (status, payload) = try plugin.call(runner, member: createMember, kind == .provider ? .providerCreate : .scorerCreate,
                                                handle: id, payload: config,
                                                timeoutMilliseconds: plugin.library.deadlines.createMilliseconds, caller: id)
        guard status == STUDIO_OK else {
            throw PluginCallError(plugin: plugin.pluginID, member: createMember, status: status, message: Self.message(payload))
        }
        let generation = runner.generation
        madeIn.withLock { $0 = generation }
    }

    /// One call on this object; made again first when its runner restarted since.
    func call(member: String, _ op: RunnerWire.Op, aux: UInt32 = 0, payload: [UInt8], timeoutMilliseconds: Int)
        throws(PluginCallError) -> (status: Int32, payload: [UInt8])
    {
        if cancelled.load(ordering: .relaxed) {
            throw PluginCallError(plugin: plugin.pluginID, member: member, status: PluginCallError.cancelled, message: "cancelled")
        }
        if madeIn.withLock({ $0 }) != runner.generation { try make() }
        var answer = try plugin.call(runner, member: member, op, handle: id, aux: aux, payload: payload,
                                     timeoutMilliseconds: timeoutMilliseconds, caller: id)
        if answer.status == RunnerWire.Status.unknownHandle {
            // The runner restarted between the check and the call (another object's call
            // started it): make the object there and ask once more.
            try make()
            answer = try plugin.call(runner, member: member, op, handle: id, aux: aux, payload: payload,
                                     timeoutMilliseconds: timeoutMilliseconds, caller: id)
        }
        return answer
    }

    /// A JSON-answering member: the answer parsed, or the plugin's error.
    func jsonCall(member: String, _ op: RunnerWire.Op, aux: UInt32 = 0, payload: [UInt8], timeoutMilliseconds: Int)
        throws(PluginCallError) -> JSONValue
    {
        let (status, body) = try call(member: member, op, aux: aux, payload: payload, timeoutMilliseconds: timeoutMilliseconds)
        guard status == STUDIO_OK else {
            throw PluginCallError(plugin: plugin.pluginID, member: member, status: status, message: Self.message(body))
        }
        do { return try JSONParser.parse(bytes: body) } catch {
            throw PluginCallError(plugin: plugin.pluginID, member: member, status: STUDIO_ERR_INTERNAL, message: "plugin wrote invalid JSON: \(error)")
        }
    }

    /// The cancel of this object's work: its call in flight ends (the runner is killed and
    /// restarted on next use) and later calls are refused.
    func interrupt() {
        cancelled.store(true, ordering: .relaxed)
        runner.interrupt(caller: id)
    }

    /// A plugin's error text, bounded (it is shown to users and stored).
    static func message(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(4096), as: UTF8.self)
    }
}
