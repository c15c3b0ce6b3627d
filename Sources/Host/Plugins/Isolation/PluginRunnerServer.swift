import Foundation
import HostSandbox
import PluginABI
import StudioJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The runner's side: `studio plugin-runner` confines itself, loads one plugin library
/// in its own address space and serves the library's C ABI to the host over descriptor 3,
/// one request at a time, until the host closes the socket. Owned by the host's build:
/// the host spawns it (PluginRunner) and nothing else talks to it.
public enum PluginRunnerServer {
    public struct Limits: Sendable {
        public var addressSpaceBytes: UInt64
        public var cpuSeconds: UInt64
        public init(addressSpaceBytes: UInt64, cpuSeconds: UInt64) {
            self.addressSpaceBytes = addressSpaceBytes
            self.cpuSeconds = cpuSeconds
        }
    }

    /// Runs the runner; returns the process's exit status.
    public static func main(arguments: [String]) -> Int32 {
        // Arguments (from PluginRunner.spawn): --address-space BYTES --cpu SECONDS --read PATH...
        var limits = Limits(addressSpaceBytes: 0, cpuSeconds: 0)
        var readPaths: [String] = []
        var i = 0
        while i + 1 < arguments.count {
            switch arguments[i] {
            case "--address-space": limits.addressSpaceBytes = UInt64(arguments[i + 1]) ?? 0
            case "--cpu": limits.cpuSeconds = UInt64(arguments[i + 1]) ?? 0
            case "--read": readPaths.append(arguments[i + 1])
            default: break
            }
            i += 2
        }
        let fd: Int32 = 3
        // Every library this process already maps (the toolchain's runtime, libc) stays
        // readable, so a plugin linked against the same ones can load.
        readPaths += mappedLibraryFolders()
        var applied: UInt32 = 0
        let status = readPaths.withCStrings { paths in
            var policy = studio_sandbox_policy_t(address_space_bytes: limits.addressSpaceBytes, cpu_seconds: limits.cpuSeconds,
                                                 read_paths: paths.baseAddress, read_path_count: Int32(paths.count))
            return studio_sandbox_apply(&policy, &applied)
        }
        if status != 0 {
            let message = "the sandbox could not be applied: \(String(cString: strerror(errno)))"
            try? FrameIO.writeAll(fd, FrameIO.frame(answer(RunnerWire.Status.loadFailed, Array(message.utf8))))
            return 1
        }
        var server = Session(sandbox: applied)
        var reader = FrameReader()
        while true {
            let request: [UInt8]
            do { request = try reader.next(fd, deadline: nil) } catch { return 0 }  // the host hung up
            let reply = server.handle(request)
            do { try FrameIO.writeAll(fd, FrameIO.frame(reply)) } catch { return 0 }
        }
    }

    /// The folders of the shared objects in /proc/self/maps (read before Landlock closes /proc).
    static func mappedLibraryFolders() -> [String] {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return [] }
        var folders = Set<String>()
        for line in maps.split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = line[slash...]
            guard path.contains(".so"), let last = path.lastIndex(of: "/") else { continue }
            folders.insert(String(path[..<last]))
        }
        return folders.sorted()
    }

    static func answer(_ status: Int32, _ payload: [UInt8]) -> [UInt8] {
        var w = WireWriter()
        w.i32(status)
        w.raw(payload)
        return w.bytes
    }

    /// The loaded plugin and the objects the host created in it, by handle.
    struct Session {
        let sandbox: UInt32
        var plugin: LoadedPlugin?
        var providers: [UInt32: ProviderInstance] = [:]
        var scorers: [UInt32: ScorerInstance] = [:]
        var decoders: [UInt32: StreamDecoderHandle] = [:]

        init(sandbox: UInt32) { self.sandbox = sandbox }

        mutating func handle(_ request: [UInt8]) -> [UInt8] {
            var r = WireReader(request)
            guard let rawOp = try? r.u8(), let op = RunnerWire.Op(rawValue: rawOp),
                  let handle = try? r.u32(), let aux = try? r.u32() else {
                return answer(RunnerWire.Status.badRequest, Array("malformed request".utf8))
            }
            let payload = Array(r.rest())
            do throws(PluginCallError) {
                return try dispatch(op, handle: handle, aux: aux, payload: payload)
            } catch {
                return answer(error.status, Array(error.message.utf8))
            }
        }

        private func unknown(_ what: String) -> PluginCallError {
            PluginCallError(plugin: plugin?.id ?? "?", member: what, status: Int(RunnerWire.Status.unknownHandle), message: "no such \(what)")
        }

        private mutating func dispatch(_ op: RunnerWire.Op, handle: UInt32, aux: UInt32, payload: [UInt8]) throws(PluginCallError) -> [UInt8] {
            switch op {
            case .load:
                // {"path", "sha256"}: the runner checks the bytes it opens against the checksum
                // the host trusts, so a file swapped after the host looked is refused here.
                let request = try parseJSON(payload, member: "load")
                return load(path: request["path"]?.stringValue ?? "", expectedSHA256: request["sha256"]?.stringValue)
            case .providerCreate, .scorerCreate:
                guard let plugin else { throw unknown("plugin") }
                let config = try parseJSON(payload, member: op == .providerCreate ? "provider.create" : "scorer.create")
                // Handles are the host's, unique across this runner's restarts: a handle from
                // an earlier process can never name an object of this one.
                if op == .providerCreate { providers[handle] = try plugin.makeProvider(config: config) }
                else { scorers[handle] = try plugin.makeScorer(config: config) }
                return answer(Int32(STUDIO_OK), [])
            case .destroyProvider:
                providers[handle] = nil
                return answer(Int32(STUDIO_OK), [])
            case .destroyScorer:
                scorers[handle] = nil
                return answer(Int32(STUDIO_OK), [])
            case .destroyDecoder:
                decoders[handle] = nil
                return answer(Int32(STUDIO_OK), [])
            case .census:
                var w = WireWriter()
                for count in [providers.count, scorers.count, decoders.count] { w.u32(UInt32(count)) }
                return answer(Int32(STUDIO_OK), w.bytes)
            case .providerCall:
                guard let provider = providers[handle] else { throw unknown("provider") }
                let result: JSONValue
                switch RunnerWire.ProviderMember(rawValue: aux) {
                case .buildRequest: result = try provider.buildRequest(try parseJSON(payload, member: "build_request"))
                case .parseResponse: result = try provider.parseResponse(payload)
                case .buildListModels: result = try provider.buildListModels()
                case .parseListModels: result = try provider.parseListModels(payload)
                case .classifyError:
                    var r = WireReader(payload)
                    guard let status = try? r.i32() else { throw unknown("classify_error input") }
                    result = try provider.classifyError(status: Int(status), body: Array(r.rest()))
                case nil: throw unknown("provider member")
                }
                return answer(Int32(STUDIO_OK), Array(result.jsonString.utf8))
            case .decoderCreate:
                guard let provider = providers[handle] else { throw unknown("provider") }
                decoders[aux] = try provider.makeDecoder(forJSON: String(decoding: payload, as: UTF8.self))
                return answer(Int32(STUDIO_OK), [])
            case .decode, .finish:
                guard let decoder = decoders[handle] else { throw unknown("decoder") }
                let one = Self.events { collect throws(PluginCallError) in
                    if op == .decode { try decoder.decode(payload, onEvent: collect) } else { try decoder.finish(onEvent: collect) }
                }
                var w = WireWriter()
                w.raw(one.events)
                w.string(one.message)
                return answer(one.status, w.bytes)
            case .decodeBatch:
                var r = WireReader(payload)
                let flags = (try? r.u32()) ?? 0
                if flags & 1 != 0 {
                    // Made with its first batch: the request JSON comes first.
                    guard let provider = providers[handle] else { throw unknown("provider") }
                    guard let length = try? r.u32(), let request = try? r.data(Int(length)) else { throw unknown("decoder request") }
                    decoders[aux] = try provider.makeDecoder(forJSON: String(decoding: request, as: UTF8.self))
                }
                guard let decoder = decoders[aux] else { throw unknown("decoder") }
                var done: UInt32 = 0
                var perRead = WireWriter()
                var last = (events: [UInt8](), status: Int32(STUDIO_OK), message: "")
                for _ in 0..<((try? r.u32()) ?? 0) {
                    guard let length = try? r.u32(), let bytes = try? r.data(Int(length)) else { break }
                    last = Self.events { collect throws(PluginCallError) in try decoder.decode(Array(bytes), onEvent: collect) }
                    perRead.raw(last.events)
                    done += 1
                    if last.status != STUDIO_OK { break }
                }
                if flags & 2 != 0 {
                    if last.status == STUDIO_OK {
                        last = Self.events { collect throws(PluginCallError) in try decoder.finish(onEvent: collect) }
                        perRead.raw(last.events)
                        done += 1
                    }
                    // A finishing batch ends the decoder's life here, so the host sends no
                    // release for it (one message less per stream).
                    decoders[aux] = nil
                }
                var w = WireWriter()
                w.u32(done)
                w.raw(perRead.bytes)
                w.string(last.message)
                return answer(last.status, w.bytes)
            case .score:
                guard let scorer = scorers[handle] else { throw unknown("scorer") }
                var r = WireReader(payload)
                guard let length = try? r.u32(), let testCase = try? r.data(Int(length)) else { throw unknown("score input") }
                let result = try scorer.score(caseBytes: Array(testCase), outputBytes: Array(r.rest()))
                return answer(Int32(STUDIO_OK), Array(result.jsonString.utf8))
            }
        }

        /// One decode or finish: its events on the wire (u32 count | events), then the
        /// status and message. Events emitted before a failing status still count, as they
        /// do in-process.
        private static func events(_ body: ((DecodedEvent) -> Void) throws(PluginCallError) -> Void)
            -> (events: [UInt8], status: Int32, message: String)
        {
            var events = WireWriter()
            var count: UInt32 = 0
            var outcome = (status: Int32(STUDIO_OK), message: "")
            do throws(PluginCallError) {
                try body { event in
                    event.write(to: &events)
                    count += 1
                }
            } catch {
                outcome = (error.status, error.message)
            }
            var w = WireWriter()
            w.u32(count)
            w.raw(events.bytes)
            return (w.bytes, outcome.status, outcome.message)
        }

        private func parseJSON(_ payload: [UInt8], member: String) throws(PluginCallError) -> JSONValue {
            do { return try JSONParser.parse(bytes: payload) } catch {
                throw PluginCallError(plugin: plugin?.id ?? "?", member: member, status: STUDIO_ERR_INVALID_INPUT, message: "\(error)")
            }
        }

        private mutating func load(path: String, expectedSHA256: String?) -> [UInt8] {
            do throws(PluginLoadError) {
                let loaded = try PluginLoader.load(path: path, recordedChecksum: expectedSHA256)
                plugin = loaded
                let description: JSONValue = [
                    "manifest": .string(loaded.manifest.json.jsonString), "abi": .int(Int64(loaded.abiVersion.packed)),
                    "sha256": .string(loaded.sha256), "sandbox": .int(Int64(sandbox)),
                ]
                return answer(Int32(STUDIO_OK), Array(description.jsonString.utf8))
            } catch {
                let description: JSONValue = ["code": .string(error.code), "message": .string(error.description)]
                return answer(RunnerWire.Status.loadFailed, Array(description.jsonString.utf8))
            }
        }
    }
}

extension Array where Element == String {
    /// The strings as a C array of C strings, valid during `body`.
    fileprivate func withCStrings<R>(_ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer(body)
    }
}
