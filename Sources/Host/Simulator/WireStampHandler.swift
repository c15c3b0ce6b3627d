import HTTPTypes
import HostMeasurement
import NIOCore
import NIOHTTPTypes

/// Stamps, on the event loop, the arrival of each request head and the flush of every body
/// write of a simulated response (the socket write follows synchronously inside the flush).
/// Sits in the server pipeline after the HTTP codec; it learns which request a response
/// belongs to from the X-Sim-Request-Id header of the head (HTTP/1.1 serves one response
/// at a time per connection). These stamps are the simulator's ground truth.
final class WireStampHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Header through which the receive stamp reaches the request handler.
    static let receivedHeader = HTTPField.Name("X-Sim-Received-Ns")!

    private let log: GroundTruthLog
    private var currentID: String?
    private var unflushedBodyWrites = 0
    private var ended = false

    init(log: GroundTruthLog) { self.log = log }

    /// Stamps the arrival of each request head, before any parsing of the body or routing,
    /// and hands the stamp to the handler in a header: deadlines count from here.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let at = MonotonicClock.now()
        if case .head(var head) = unwrapInboundIn(data) {
            head.headerFields[Self.receivedHeader] = String(at)
            context.fireChannelRead(wrapInboundOut(.head(head)))
        } else {
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            currentID = head.headerFields[.init("X-Sim-Request-Id")!]
            unflushedBodyWrites = 0
            ended = false
        case .body:
            if currentID != nil { unflushedBodyWrites += 1 }
        case .end:
            ended = true
        }
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        // Stamped just before the encoder and the socket write run (synchronously, inside
        // this flush): a client can never read these bytes before this time.
        let at = MonotonicClock.now()
        context.flush()
        if let id = currentID, unflushedBodyWrites > 0 {
            log.addWireStamps(id, count: unflushedBodyWrites, at: at)
            unflushedBodyWrites = 0
        }
        if ended { currentID = nil }
    }
}
