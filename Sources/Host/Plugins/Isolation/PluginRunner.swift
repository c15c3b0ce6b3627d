import Foundation
import HostMeasurement
import HostSandbox
import PluginABI
import StudioJSON
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One runner process serving one plugin library (PluginRunnerServer is its other end).
/// Calls are serialized: one request on the socket at a time. Every call has a deadline;
/// a runner that misses it, or dies, is killed and reaped, and the next call starts a
/// fresh one (`generation` counts them, so objects made in an earlier one are re-made).
final class PluginRunner: @unchecked Sendable {
    let library: IsolatedPlugin.Library
    private let callLock = NSLock()
    /// The process and its socket; read without `callLock` by `interrupt`.
    private let process = Mutex<(pid: pid_t, fd: Int32, generation: Int, interrupted: Bool, caller: UInt32)>((0, -1, 0, false, 0))
    /// Replies still owed for requests sent without waiting (destroys): read and
    /// dropped before the next call's own reply. Guarded by `callLock`.
    private var owedReplies = 0
    /// The socket's read buffer (a fresh one per process). Guarded by `callLock`.
    private var replies = FrameReader()
    /// Requests written to runners so far (calls and releases): what isolation costs in
    /// messages, read by the census.
    let requestsSent = Atomic<Int>(0)

    init(library: IsolatedPlugin.Library) { self.library = library }

    deinit { stop() }

    /// The generation of the running process (0: none yet).
    var generation: Int { process.withLock { $0.generation } }

    /// What a call failed with at the process level, before the plugin could answer.
    enum Failure: Error {
        case crashed(String)   // "signal SIGSEGV", "exit status 1"
        case timedOut(milliseconds: Int)
        case cancelled
        case spawn(String)
        case protocolViolation(String)
        case loadRefused(String)
    }

    /// What the runner answered to `load` the last time it started: its manifest and
    /// the protections in force, or why it refused the library.
    private(set) var loadAnswer: Result<JSONValue, PluginLoadError>?

    /// Sends one request and waits for its answer until the deadline. Starts the process
    /// first when there is none, and has it load the library.
    /// `caller` names the object the call is for, so that `interrupt(caller:)` ends only
    /// that object's call, never another user's queued on the same runner.
    func call(_ op: RunnerWire.Op, handle: UInt32 = 0, aux: UInt32 = 0, payload: [UInt8],
              timeoutMilliseconds: Int, caller: UInt32 = 0) throws(Failure) -> (status: Int32, payload: [UInt8]) {
        callLock.lock()
        defer { callLock.unlock() }
        try startIfNeeded()
        process.withLock { $0.caller = caller }
        defer { process.withLock { $0.caller = 0 } }
        return try exchange(op, handle: handle, aux: aux, payload: payload, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A call answered only by a process already running (nil when none runs), and left
    /// out of `requestsSent`: the census asks this way.
    func callIfRunning(_ op: RunnerWire.Op, timeoutMilliseconds: Int) throws(Failure) -> (status: Int32, payload: [UInt8])? {
        callLock.lock()
        defer { callLock.unlock() }
        guard process.withLock({ $0.fd >= 0 }) else { return nil }
        return try exchange(op, handle: 0, aux: 0, payload: [], timeoutMilliseconds: timeoutMilliseconds, counted: false)
    }

    /// Starts the process and loads the library in it, when no process runs.
    func start() throws(Failure) {
        callLock.lock()
        defer { callLock.unlock() }
        try startIfNeeded()
    }

    private func startIfNeeded() throws(Failure) {
        guard process.withLock({ $0.fd < 0 }) else { return }
        try spawn()
        let request: JSONValue = ["path": .string(library.path), "sha256": library.sha256.map(JSONValue.string) ?? .null]
        let (status, payload) = try exchange(.load, handle: 0, aux: 0, payload: Array(request.jsonString.utf8),
                                             timeoutMilliseconds: library.deadlines.loadMilliseconds)
        let answer = (try? JSONParser.parse(bytes: payload)) ?? .null
        if status == STUDIO_OK, answer["manifest"]?.stringValue != nil {
            loadAnswer = .success(answer)
            return
        }
        let message = answer["message"]?.stringValue ?? String(decoding: payload.prefix(500), as: UTF8.self)
        loadAnswer = .failure(PluginLoadError(path: library.path, reason: .runnerRefused(code: answer["code"]?.stringValue ?? "runner_failed", message: message)))
        terminate()
        throw .loadRefused(message)
    }

    /// Sends a request whose answer nobody waits for (releasing an object). Never blocks
    /// on the plugin; skipped when the process that made the object is gone.
    func post(_ op: RunnerWire.Op, handle: UInt32, generation: Int) {
        callLock.lock()
        defer { callLock.unlock() }
        let fd = process.withLock { $0.generation == generation ? $0.fd : -1 }
        guard fd >= 0 else { return }
        do {
            try FrameIO.writeAll(fd, FrameIO.frame(Self.request(op, handle: handle, aux: 0, payload: [])))
            requestsSent.add(1, ordering: .relaxed)
            owedReplies += 1
        } catch {
            terminate()
        }
    }

    /// Ends `caller`'s call in flight, from any thread: the process is killed and the
    /// call fails `cancelled`; the next call starts a fresh process. Nothing happens when
    /// the call in flight is another object's.
    func interrupt(caller: UInt32) {
        let pid = process.withLock { p -> pid_t in
            guard p.pid > 0, p.caller == caller, caller != 0 else { return 0 }
            p.interrupted = true
            return p.pid
        }
        if pid > 0 { kill(pid, SIGKILL) }
    }

    /// Stops the process (server shutdown, or a runner no longer wanted).
    func stop() {
        callLock.lock()
        defer { callLock.unlock() }
        terminate()
    }

    private static func request(_ op: RunnerWire.Op, handle: UInt32, aux: UInt32, payload: [UInt8]) -> [UInt8] {
        var w = WireWriter()
        w.u8(op.rawValue)
        w.u32(handle)
        w.u32(aux)
        w.raw(payload)
        return w.bytes
    }

    private func exchange(_ op: RunnerWire.Op, handle: UInt32, aux: UInt32, payload: [UInt8],
                          timeoutMilliseconds: Int, counted: Bool = true) throws(Failure) -> (status: Int32, payload: [UInt8]) {
        let fd = process.withLock { $0.fd }
        let deadline = MonotonicClock.now() + UInt64(max(1, timeoutMilliseconds)) * 1_000_000
        let reply: [UInt8]
        do throws(FrameIO.Failure) {
            try FrameIO.writeAll(fd, FrameIO.frame(Self.request(op, handle: handle, aux: aux, payload: payload)))
            if counted { requestsSent.add(1, ordering: .relaxed) }
            while owedReplies > 0 {
                _ = try replies.next(fd, deadline: deadline)
                owedReplies -= 1
            }
            reply = try replies.next(fd, deadline: deadline)
        } catch {
            switch error {
            case .timedOut:
                let interrupted = terminate()
                throw interrupted ? .cancelled : .timedOut(milliseconds: timeoutMilliseconds)
            case .tooLarge(let size):
                terminate()
                throw .protocolViolation("an answer of \(size) bytes, over the \(RunnerWire.maxFrame >> 20) MiB limit")
            case .closed, .system:
                let interrupted = terminate()
                throw interrupted ? .cancelled : .crashed(lastExit ?? "the runner closed its socket")
            }
        }
        var r = WireReader(reply)
        guard let status = try? r.i32() else {
            terminate()
            throw .protocolViolation("an answer without a status")
        }
        return (status, Array(r.rest()))
    }

    /// How the last process ended ("signal SIGSEGV (11)", "exit status 1").
    private(set) var lastExit: String?

    /// Kills and reaps the process; returns whether the host had interrupted it.
    @discardableResult
    private func terminate() -> Bool {
        let (pid, fd, interrupted) = process.withLock { p -> (pid_t, Int32, Bool) in
            defer { p.pid = 0; p.fd = -1; p.interrupted = false; p.caller = 0 }
            return (p.pid, p.fd, p.interrupted)
        }
        owedReplies = 0
        replies = FrameReader()
        if fd >= 0 { close(fd) }
        guard pid > 0 else { return interrupted }
        var status: Int32 = 0
        // It may have exited by itself; if not, it is killed now. Either way it is reaped.
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        lastExit = Self.describe(waitStatus: status)
        return interrupted
    }

    static func describe(waitStatus status: Int32) -> String {
        let signal = status & 0x7F
        if signal == 0 { return "exit status \((status >> 8) & 0xFF)" }
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGKILL: "SIGKILL", SIGBUS: "SIGBUS",
                                      SIGILL: "SIGILL", SIGFPE: "SIGFPE", SIGSYS: "SIGSYS", SIGXCPU: "SIGXCPU", SIGTRAP: "SIGTRAP"]
        return "signal \(names[signal] ?? "\(signal)") (\(signal))"
    }

    private func spawn() throws(Failure) {
        var pair: [Int32] = [-1, -1]
        #if os(Linux)
        let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let kind = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, kind, 0, &pair) == 0 else { throw .spawn("socketpair: \(String(cString: strerror(errno)))") }
        let runner = library.runnerExecutable
        var arguments = ["studio", "plugin-runner",
                         "--address-space", String(library.limits.addressSpaceBytes), "--cpu", String(library.limits.cpuSeconds),
                         "--read", library.path, "--read", "/etc/ld.so.cache"]
        let resolved = URL(fileURLWithPath: library.path).resolvingSymlinksInPath().path
        if resolved != library.path { arguments += ["--read", resolved] }
        // A scrubbed environment: nothing of the host's (keys, secrets, database URL) but
        // where its runtime libraries are (a release bundle's launcher sets that).
        var environment = ["SWIFT_BACKTRACE=enable=no", "LANG=C.UTF-8"]
        if let libraries = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] { environment.append("LD_LIBRARY_PATH=" + libraries) }
        let pid = withCStringArray(arguments) { argv in
            withCStringArray(environment) { envp in
                studio_sandbox_spawn(runner, argv, envp, pair[1])
            }
        }
        let spawnError = errno
        close(pair[1])
        guard pid > 0 else {
            close(pair[0])
            throw .spawn("cannot start \(runner): \(String(cString: strerror(spawnError)))")
        }
        process.withLock { p in
            p.pid = pid
            p.fd = pair[0]
            p.generation += 1
            p.interrupted = false
        }
        owedReplies = 0
        replies = FrameReader()
    }
}

/// `body` with a NULL-terminated C array of copies of `strings`.
func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
