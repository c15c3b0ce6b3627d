/// Receives one exchange as it happens. `sent`, `head`, `body` and `end` are called on the
/// connection's event loop, in order, at the moment the bytes cross the socket (with that
/// moment's stamp); the consumer must do only short, non-blocking work there (decoding a
/// read with a sans-I/O plugin qualifies, and saves a thread hop per read). `body` gets
/// all of one read's body bytes at once, valid only during the call. Exactly one of
/// `end` or `failed` is called, once; `failed` may come from another thread when the
/// exchange fails before it reached a connection.
public protocol ExchangeConsumer: AnyObject, Sendable {
    /// Called by the transport before anything else, with the handle that can abort it.
    func attach(_ exchange: Exchange)
    func sent(at: UInt64)
    func head(status: Int, headers: [(String, String)], at: UInt64)
    func body(_ bytes: UnsafeRawBufferPointer, at: UInt64)
    func end(at: UInt64)
    func failed(_ error: TransportError)
}
