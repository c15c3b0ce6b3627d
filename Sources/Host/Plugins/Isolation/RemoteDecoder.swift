import PluginABI
import Synchronization

/// A stream decoder inside a runner. It cannot survive a restart (its state is the
/// stream's), so after one its calls fail `plugin_crashed` and the stream is lost.
/// Made at once, or — for a measured stream fed in batches — with its first batch, which
/// saves a round trip per request (its finish, and its release, ride on the last batch too).
final class RemoteDecoder: Sendable {
    let provider: RemoteObject
    let id: UInt32
    /// The runner generation it was made in; 0 while its creation is deferred, and once
    /// the runner released it with its finish.
    private let state: Mutex<(generation: Int, request: [UInt8]?)>

    init(provider: RemoteObject, requestJSON: String, deferCreation: Bool) throws(PluginCallError) {
        self.provider = provider
        id = RemoteObject.nextID()
        guard !deferCreation else {
            state = Mutex((0, Array(requestJSON.utf8)))
            return
        }
        let (status, body) = try provider.call(member: "decoder_create", .decoderCreate, aux: id, payload: Array(requestJSON.utf8),
                                               timeoutMilliseconds: provider.plugin.library.deadlines.decodeMilliseconds)
        guard status == STUDIO_OK else {
            throw PluginCallError(plugin: provider.plugin.pluginID, member: "decoder_create", status: status, message: RemoteObject.message(body))
        }
        state = Mutex((provider.runner.generation, nil))
    }

    var generation: Int { state.withLock { $0.generation } }

    deinit {
        let generation = state.withLock { $0.generation }
        if generation > 0 { provider.runner.post(.destroyDecoder, handle: id, generation: generation) }
    }

    /// Makes the decoder now if its creation was deferred (a call outside a batch).
    private func ensureMade() throws(PluginCallError) {
        guard let request = state.withLock({ $0.request }) else { return }
        let (status, body) = try provider.call(member: "decoder_create", .decoderCreate, aux: id, payload: request,
                                               timeoutMilliseconds: provider.plugin.library.deadlines.decodeMilliseconds)
        guard status == STUDIO_OK else {
            throw PluginCallError(plugin: provider.plugin.pluginID, member: "decoder_create", status: status, message: RemoteObject.message(body))
        }
        let generation = provider.runner.generation
        state.withLock { $0 = (generation, nil) }
    }

    /// Several reads in one round trip, then the decoder's finish when `finishing`:
    /// `onEvent` gets each event with its read's index (`reads.count` for the finish). On a
    /// failing read, the reads before it are delivered and the error names its index.
    func runBatch(_ reads: [[UInt8]], finishing: Bool, onEvent: (Int, DecodedEvent) -> Void) throws(BatchFailure) {
        let plugin = provider.plugin
        let (madeIn, request) = state.withLock { ($0.generation, $0.request) }
        var input = WireWriter()
        input.u32((request != nil ? 1 : 0) | (finishing ? 2 : 0))
        if let request {
            input.u32(UInt32(request.count))
            input.raw(request)
        }
        input.u32(UInt32(reads.count))
        for read in reads {
            input.u32(UInt32(read.count))
            input.raw(read)
        }
        let answer: (status: Int32, payload: [UInt8])
        do throws(PluginCallError) {
            guard request != nil || provider.runner.generation == madeIn else {
                throw PluginCallError(plugin: plugin.pluginID, member: "decode", status: PluginCallError.crashed,
                                      message: "the plugin's runner restarted during this stream (\(provider.runner.lastExit ?? "stopped"))")
            }
            answer = try provider.call(member: "decode", .decodeBatch, aux: id, payload: input.bytes,
                                       timeoutMilliseconds: plugin.library.deadlines.decodeMilliseconds)
            if finishing {
                // The runner released it with its finish (0: nothing to release on deinit).
                state.withLock { $0 = (0, nil) }
            } else if request != nil {
                let generation = provider.runner.generation
                state.withLock { $0 = (generation, nil) }
            }
            if answer.status == RunnerWire.Status.unknownHandle {
                throw PluginCallError(plugin: plugin.pluginID, member: "decode", status: PluginCallError.crashed,
                                      message: "the plugin's runner restarted during this stream")
            }
        } catch {
            throw BatchFailure(readIndex: 0, error: error)
        }
        var r = WireReader(answer.payload)
        var done = 0
        let message: String
        let entries = reads.count + (finishing ? 1 : 0)
        do throws(WireReader.Truncated) {
            let reported = Int(try r.u32())
            while done < min(reported, entries) {
                let events = try r.u32()
                for _ in 0..<events { onEvent(done, try DecodedEvent.read(from: &r)) }
                done += 1
            }
            message = try r.string()
        } catch {
            throw BatchFailure(readIndex: done, error: PluginCallError(plugin: plugin.pluginID, member: "decode", status: STUDIO_ERR_INTERNAL,
                                                                       message: "the plugin runner sent a malformed event list"))
        }
        guard answer.status == STUDIO_OK else {
            throw BatchFailure(readIndex: max(0, done - 1),
                               error: PluginCallError(plugin: plugin.pluginID, member: done > reads.count ? "finish" : "decode",
                                                      status: answer.status, message: String(message.prefix(4096))))
        }
    }

    /// decode or finish: the events in order, then the status.
    func run(_ member: String, _ op: RunnerWire.Op, payload: [UInt8], onEvent: (DecodedEvent) -> Void) throws(PluginCallError) -> Int {
        try ensureMade()
        let plugin = provider.plugin
        guard provider.runner.generation == generation else {
            throw PluginCallError(plugin: plugin.pluginID, member: member, status: PluginCallError.crashed,
                                  message: "the plugin's runner restarted during this stream (\(provider.runner.lastExit ?? "stopped"))")
        }
        let (status, body) = try plugin.call(provider.runner, member: member, op, handle: id, payload: payload,
                                             timeoutMilliseconds: plugin.library.deadlines.decodeMilliseconds, caller: provider.id)
        if status == RunnerWire.Status.unknownHandle {
            throw PluginCallError(plugin: plugin.pluginID, member: member, status: PluginCallError.crashed,
                                  message: "the plugin's runner restarted during this stream")
        }
        var r = WireReader(body)
        var count = 0
        let message: String
        do throws(WireReader.Truncated) {
            let events = try r.u32()
            for _ in 0..<events {
                onEvent(try DecodedEvent.read(from: &r))
                count += 1
            }
            message = try r.string()
        } catch {
            throw PluginCallError(plugin: plugin.pluginID, member: member, status: STUDIO_ERR_INTERNAL, message: "the plugin runner sent a malformed event list")
        }
        guard status == STUDIO_OK else {
            throw PluginCallError(plugin: plugin.pluginID, member: member, status: status, message: String(message.prefix(4096)))
        }
        return count
    }
}
