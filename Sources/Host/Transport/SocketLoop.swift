import HostMeasurement
import Synchronization

#if canImport(Glibc)
import Glibc
import LinuxEvents
#endif

// Why the transport has an event loop of its own for plain HTTP: a load test at c=512 reads
// ~20,000 token packets a second, and what each read costs beyond the kernel's own work
// decides how many requests a core can drive. Through NIO's channel pipeline a read cost
// ×3 what a bare epoll client pays (reference counting through the handlers, a separate
// peek for the kernel's stamp, timers per request); here it is one recvmsg that returns
// the bytes and their arrival stamp together, parsed in place (HTTP1ResponseParser.swift) and handed to
// the exchange. TLS connections stay on NIO (NIOSSL), which this loop does not replace.

/// One thread, edge-triggered epoll, a timer heap on a timerfd, and an inbox for work from
/// other threads. Everything registered with it is touched only on its thread.
final class SocketLoop: @unchecked Sendable {
    private let epoll: CInt
    private let wakeup: CInt
    private let timerDescriptor: CInt
    private let inbox = Mutex<(work: [@Sendable () -> Void], stopping: Bool)>(([], false))
    private let threadID = Atomic<UInt>(0)
    private let exited = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    // Confined to the loop's thread.
    private var sockets: [(any LoopSocket)?] = []
    private var timers = TimerHeap()
    private var timerArmedFor = UInt64.max
    /// Every read lands here first: the loop handles one read at a time.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    private let control = UnsafeMutableRawBufferPointer.allocate(byteCount: 128, alignment: 8)

    init() {
        epoll = epoll_create1(CInt(EPOLL_CLOEXEC))
        wakeup = eventfd(0, CInt(EFD_NONBLOCK | EFD_CLOEXEC))
        timerDescriptor = timerfd_create(CLOCK_MONOTONIC, CInt(TFD_NONBLOCK | TFD_CLOEXEC))
        precondition(epoll >= 0 && wakeup >= 0 && timerDescriptor >= 0, "socket loop: \(String(cString: strerror(errno)))")
        for fd in [wakeup, timerDescriptor] {
            var event = epoll_event(events: EPOLLIN.rawValue | EPOLLET.rawValue, data: epoll_data_t(fd: fd))
            epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
        }
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let loop = Unmanaged<SocketLoop>.fromOpaque(argument!).takeRetainedValue()
            loop.run()
            return nil
        }, box.toOpaque())
        precondition(created == 0, "socket loop: cannot start its thread")
        pthread_detach(thread)
    }

    deinit {
        close(epoll)
        close(wakeup)
        close(timerDescriptor)
        readBuffer.deallocate()
        control.deallocate()
    }

    var inLoop: Bool { threadID.load(ordering: .relaxed) == UInt(pthread_self()) }

    /// Runs `work` on the loop: right away when called there (a request sent from the end
    /// of the previous one goes out in the same call stack), else after the loop's current pass.
    func execute(_ work: @escaping @Sendable () -> Void) {
        if inLoop { work() } else { enqueue(work) }
    }

    /// Runs `work` on the loop after whatever it is doing now, even when called there.
    func enqueue(_ work: @escaping @Sendable () -> Void) {
        let wake = inbox.withLock { inbox -> Bool in
            inbox.work.append(work)
            return inbox.work.count == 1
        }
        if wake { signal() }
    }

    private func signal() {
        var one: UInt64 = 1
        _ = write(wakeup, &one, 8)
    }

    /// Runs `work` on the loop at MonotonicClock time `deadline` (at once if past).
    func schedule(at deadline: UInt64, _ work: @escaping () -> Void) {
        precondition(inLoop)
        timers.push(deadline, work)
        if deadline < timerArmedFor { arm(deadline) }
    }

    /// Stops the loop; its sockets are told they are closing. Returns once the thread is done.
    func stop() async {
        stopSoon()
        await withCheckedContinuation { continuation in
            let done = exited.withLock { e -> Bool in
                if !e.done { e.waiters.append(continuation) }
                return e.done
            }
            if done { continuation.resume() }
        }
    }

    /// Stops the loop without waiting (the transport went away without a shutdown).
    func stopSoon() {
        inbox.withLock { $0.stopping = true }
        signal()
    }

    // MARK: Sockets (on the loop)

    /// Watches `descriptor` for `events` (edge-triggered is added).
    func register(_ descriptor: CInt, _ socket: any LoopSocket, events: UInt32) -> Bool {
        if Int(descriptor) >= sockets.count { sockets += Array(repeating: nil, count: Int(descriptor) + 64 - sockets.count) }
        var event = epoll_event(events: events | EPOLLET.rawValue, data: epoll_data_t(fd: descriptor))
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, descriptor, &event) == 0 else { return false }
        sockets[Int(descriptor)] = socket
        return true
    }

    func modify(_ descriptor: CInt, events: UInt32) {
        var event = epoll_event(events: events | EPOLLET.rawValue, data: epoll_data_t(fd: descriptor))
        epoll_ctl(epoll, EPOLL_CTL_MOD, descriptor, &event)
    }

    /// Forgets and closes `descriptor`.
    func close(_ descriptor: CInt) {
        if Int(descriptor) < sockets.count { sockets[Int(descriptor)] = nil }
        _ = Glibc.close(descriptor)
    }

    /// One read into `readBuffer`: the byte count (0 at end of file, -1 with errno set)
    /// and when the last of those bytes reached this host, from the kernel's receive stamp
    /// (ReceiveStamps.swift) or, without one, now.
    func receive(_ descriptor: CInt) -> (count: Int, at: UInt64) {
        let read = ReceiveStamps.receive(descriptor, into: readBuffer, control: control, flags: CInt(MSG_DONTWAIT))
        return (read.count, read.stamp ?? read.now)
    }

    // MARK: The loop

    private func run() {
        threadID.store(UInt(pthread_self()), ordering: .relaxed)
        let capacity = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var stopping = false
        while !stopping {
            let count = epoll_wait(epoll, events, CInt(capacity), -1)
            if count < 0 && errno != EINTR { break }
            for i in 0..<max(0, Int(count)) {
                let fd = events[i].data.fd
                if fd == wakeup || fd == timerDescriptor {
                    var drained: UInt64 = 0
                    _ = read(fd, &drained, 8)
                    if fd == timerDescriptor { timerArmedFor = .max }
                } else if Int(fd) < sockets.count, let socket = sockets[Int(fd)] {
                    socket.ready(events[i].events)
                }
            }
            stopping = runInbox()
            runDueTimers()
        }
        // Whatever is still open learns the loop is gone (exchanges fail, sockets close).
        for socket in sockets.compactMap({ $0 }) { socket.loopStopped() }
        // Timers and work left hold their owners (a connection set holds this loop): let go.
        timers = TimerHeap()
        inbox.withLock { $0.work.removeAll() }
        threadID.store(0, ordering: .relaxed)
        let waiters = exited.withLock { e -> [CheckedContinuation<Void, Never>] in
            e.done = true
            defer { e.waiters = [] }
            return e.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs what other threads handed over; true once the loop is asked to stop.
    private func runInbox() -> Bool {
        while true {
            let (work, stopping) = inbox.withLock { inbox in
                defer { inbox.work.removeAll(keepingCapacity: true) }
                return (inbox.work, inbox.stopping)
            }
            if stopping { return true }
            if work.isEmpty { return false }
            for item in work { item() }
        }
    }

    private func runDueTimers() {
        guard let first = timers.earliest else { return }
        var now = MonotonicClock.now()
        if first > now {
            if first < timerArmedFor { arm(first) }
            return
        }
        while let (deadline, work) = timers.popDue(now) {
            _ = deadline
            work()
            now = MonotonicClock.now()
        }
        if let next = timers.earliest { arm(next) }
    }

    /// Sets the timerfd to fire at `deadline` (CLOCK_MONOTONIC, MonotonicClock's clock).
    private func arm(_ deadline: UInt64) {
        timerArmedFor = deadline
        var spec = itimerspec()
        let at = max(deadline, 1)
        spec.it_value = timespec(tv_sec: Int(at / 1_000_000_000), tv_nsec: Int(at % 1_000_000_000))
        timerfd_settime(timerDescriptor, CInt(TFD_TIMER_ABSTIME), &spec, nil)
    }
}
