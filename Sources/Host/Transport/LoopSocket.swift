/// Something registered with a socket loop, called on the loop's thread.
protocol LoopSocket: AnyObject {
    /// epoll's readiness flags for the socket (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, ...).
    func ready(_ events: UInt32)
    /// The loop is stopping: fail what is in flight, close the descriptor.
    func loopStopped()
}
