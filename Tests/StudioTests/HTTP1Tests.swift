import Foundation
import HostMeasurement
import HostSimulator
import HostTransport
import NIOCore
import Synchronization
import Testing

/// HTTP/1.1 on the wire (Sources/Host/Transport/HTTP1Request.swift, HTTP1ResponseParser.swift): the response parser both
/// connection drivers share, fed every way a response can be split into reads, and the
/// request bytes.
@Suite struct HTTP1Tests {
    /// Everything a parser made of a response fed in reads of the given sizes.
    struct Parsed {
        var status: Int?
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var bodyPieces = 0
        var ended = 0
        var trailing = 0
        var keepAlive = true
        var error: TransportError?
    }

    static func parse(_ text: String, splits: [Int] = [], method: String = "GET", closeAtEnd: Bool = false) -> Parsed {
        var parser = HTTP1ResponseParser()
        parser.expectResponse(toMethod: method)
        var out = Parsed()
        var bytes = Array(text.utf8)
        var cuts = splits.filter { $0 > 0 && $0 < bytes.count }.sorted()
        cuts.append(bytes.count)
        var start = 0
        do {
            for cut in cuts where cut > start {
                let parts = try bytes[start..<cut].withUnsafeMutableBytes { piece in
                    let parts = try parser.parse(piece)
                    if !parts.body.isEmpty { out.body += piece[parts.body] }
                    return parts
                }
                if let head = parts.head { out.status = head.status; out.headers = head.headers }
                if !parts.body.isEmpty { out.bodyPieces += 1 }
                if parts.ended { out.ended += 1 }
                out.trailing += parts.trailing
                start = cut
            }
            if closeAtEnd, try parser.closed() { out.ended += 1 }
        } catch let error as TransportError {
            out.error = error
        } catch {
            Issue.record("unexpected \(error)")
        }
        out.keepAlive = parser.keepAlive
        bytes.removeAll()
        return out
    }

    static let chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "7\r\ndata: a\r\n" + "b;ext=1\r\n\ndata: bcde\r\n" + "3\r\n\n\n\n\r\n" + "0\r\nX-Trailer: t\r\n\r\n"

    @Test func chunkedBodiesSurviveEverySplit() {
        let expected = Array("data: a\ndata: bcde\n\n\n".utf8)
        let whole = Self.parse(Self.chunked)
        #expect(whole.status == 200 && whole.body == expected && whole.ended == 1 && whole.bodyPieces == 1 && whole.keepAlive,
                "one read: one contiguous body piece over the chunk framing")
        #expect(whole.headers.first { $0.0 == "Content-Type" }?.1 == "text/event-stream")
        let count = Self.chunked.utf8.count
        for a in 1..<count {
            let one = Self.parse(Self.chunked, splits: [a])
            #expect(one.body == expected && one.ended == 1 && one.error == nil, "split at \(a)")
            for b in stride(from: a + 1, to: count, by: 7) {
                let two = Self.parse(Self.chunked, splits: [a, b])
                #expect(two.body == expected && two.ended == 1 && two.error == nil, "split at \(a), \(b)")
            }
        }
        // Byte by byte.
        let bytewise = Self.parse(Self.chunked, splits: Array(1..<count))
        #expect(bytewise.body == expected && bytewise.ended == 1 && bytewise.status == 200)
    }

    @Test func lengthAndCloseDelimitedBodies() {
        let sized = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        for cut in 1..<sized.utf8.count {
            let parsed = Self.parse(sized, splits: [cut])
            #expect(parsed.body == Array("hello".utf8) && parsed.ended == 1 && parsed.keepAlive, "split at \(cut)")
        }
        // Bytes after the end: the response ends, the connection is not reused.
        let extra = Self.parse(sized + "HTTP/1.1")
        #expect(extra.ended == 1 && extra.trailing == 8)
        // No length, no coding: the body runs to the close.
        let open = Self.parse("HTTP/1.1 200 OK\r\n\r\nall of it", splits: [20], closeAtEnd: true)
        #expect(open.body == Array("all of it".utf8) && open.ended == 1 && !open.keepAlive)
        // HTTP/1.0 closes unless asked not to; Connection: close closes.
        #expect(!Self.parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive)
        #expect(Self.parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keepAlive)
        #expect(!Self.parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepAlive)
        // A length beside a transfer coding: the coding wins, the connection is not reused.
        let both = Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n")
        #expect(both.body == Array("x".utf8) && both.ended == 1 && !both.keepAlive)
    }

    @Test func responsesWithoutBodiesAndInterimOnes() {
        #expect(Self.parse("HTTP/1.1 204 No Content\r\n\r\n").ended == 1)
        #expect(Self.parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").ended == 1)
        let head = Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", method: "HEAD")
        #expect(head.ended == 1 && head.body.isEmpty && head.keepAlive)
        let interim = Self.parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", splits: [10, 30])
        #expect(interim.status == 201 && interim.body == Array("ok".utf8) && interim.ended == 1)
        // Bare LF line endings are read too.
        let bare = Self.parse("HTTP/1.1 200 OK\nContent-Length: 2\n\nok")
        #expect(bare.status == 200 && bare.body == Array("ok".utf8) && bare.ended == 1)
    }

    @Test func malformedResponsesAreProtocolErrors() {
        let bad = [
            "HTTX/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        ]
        for text in bad {
            let parsed = Self.parse(text)
            #expect(parsed.error?.kind == .protocolError, "\(text.debugDescription): \(String(describing: parsed.error))")
        }
        let huge = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 70_000) + "\r\n\r\n"
        #expect(Self.parse(huge, splits: Array(stride(from: 1000, to: 70_000, by: 1000))).error?.kind == .protocolError)
        // Cut short: before the head, inside the head, inside the body.
        #expect(Self.parse("", closeAtEnd: true).error?.message.contains("before the response head") == true)
        #expect(Self.parse("HTTP/1.1 200", closeAtEnd: true).error?.kind == .network)
        #expect(Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", closeAtEnd: true).error?.message
            .contains("before the response ended") == true)
    }

    @Test func requestBytesAndRefusedHeaders() throws {
        let bytes = try HTTP1Request.bytes(method: "post", url: "http://example.test:8080/v1/x?y=1",
                                           headers: [("Content-Type", "application/json"), ("host", "ignored"), ("Content-Length", "9")],
                                           body: Array("{}".utf8))
        #expect(String(decoding: bytes, as: UTF8.self)
            == "POST /v1/x?y=1 HTTP/1.1\r\nHost: example.test:8080\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        let plain = try HTTP1Request.bytes(method: "GET", url: "https://example.test", headers: [], body: nil)
        #expect(String(decoding: plain, as: UTF8.self) == "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n")
        // An IPv6 literal keeps its brackets in the Host header (it once lost them).
        let six = try HTTP1Request.bytes(method: "GET", url: "http://[::1]:8080/x", headers: [], body: nil)
        #expect(String(decoding: six, as: UTF8.self) == "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")
        // A line break in a value would inject headers; the message names the header only.
        do {
            _ = try HTTP1Request.bytes(method: "GET", url: "http://a.test/", headers: [("Authorization", "Bearer sk-1\r\nX-Evil: 1")], body: nil)
            Issue.record("a header value with CRLF was accepted")
        } catch {
            #expect(error.kind == .protocolError && error.message.contains("Authorization") && !error.message.contains("sk-1"))
        }
        #expect(throws: TransportError.self) { try HTTP1Request.bytes(method: "GE T", url: "http://a.test/", headers: [], body: nil) }
        #expect(throws: TransportError.self) { try HTTP1Request.bytes(method: "GET", url: "http://a.test/", headers: [("Bad Name", "v")], body: nil) }
    }
}

/// The transport's two plain-HTTP drivers against a raw TCP server that answers exactly
/// the bytes a test gives it: what real servers do at the edges (closing mid-stream in
/// the same packet as the last bytes, bodies delimited by the close, idle connections
/// closed by the server).
@Suite(.serialized) struct TransportDriverTests {
    /// A loopback server answering each request on a connection with the next canned
    /// response; `close` after a response closes the connection.
    final class RawServer: @unchecked Sendable {
        let port: Int
        private let listener: CInt
        let connections = Mutex(0)

        init(responses: [(bytes: String, close: Bool)]) throws {
            let listener = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
            self.listener = listener
            var one: CInt = 1
            setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            try #require(bound == 0 && listen(listener, 16) == 0)
            var size = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &size) } }
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread.detachNewThread { [weak self] in
                var next = 0
                while true {
                    let fd = accept(listener, nil, nil)
                    if fd < 0 { return }
                    self?.connections.withLock { $0 += 1 }
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    var pending: [UInt8] = []
                    serving: while next < responses.count {
                        // One request: a head, then Content-Length bytes of body.
                        while true {
                            if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self).lowercased()
                                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                                if pending.count >= end.upperBound + length { pending.removeFirst(end.upperBound + length); break }
                            }
                            let n = read(fd, &buffer, buffer.count)
                            if n <= 0 { break serving }
                            pending += buffer[0..<n]
                        }
                        let response = responses[next]
                        next += 1
                        // A closing response goes out corked, so its FIN rides on the same
                        // packet as its last bytes (as a server closing right away often does).
                        var cork: CInt = response.close ? 1 : 0
                        setsockopt(fd, CInt(IPPROTO_TCP), TCP_CORK, &cork, socklen_t(MemoryLayout<CInt>.size))
                        _ = Array(response.bytes.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                        if response.close {
                            shutdown(fd, CInt(SHUT_WR))
                            break
                        }
                    }
                    close(fd)
                    if next >= responses.count { return }
                }
            }
        }

        var url: String { "http://127.0.0.1:\(port)/v1/x" }

        deinit { shutdown(listener, CInt(SHUT_RDWR)); close(listener) }
    }

    /// One exchange's events, as text.
    static func fetch(_ transport: Transport, _ url: String, body requestBody: [UInt8] = Array("{}".utf8)) async
        -> (status: Int?, body: String, error: TransportError?)
    {
        var status: Int?
        var body: [UInt8] = []
        do {
            let (_, events) = try transport.exchange(method: "POST", url: url, headers: [("Content-Type", "application/json")],
                                                     body: requestBody)
            for try await event in events {
                switch event {
                case .head(let s, _, _): status = s
                case .body(let buffer, _): body += buffer.readableBytesView
                default: break
                }
            }
            return (status, String(decoding: body, as: UTF8.self), nil)
        } catch {
            return (status, String(decoding: body, as: UTF8.self), error as? TransportError)
        }
    }

    /// The last bytes and the close arrive together: the exchange fails at once as a
    /// network error (the socket loop once waited for an edge that never came, until the
    /// idle timeout).
    @Test(arguments: Transport.PlainHTTPDriver.allCases)
    func aCloseInTheSamePacketAsTheLastBytesFailsAtOnce(driver: Transport.PlainHTTPDriver) async throws {
        let cut = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nwor"
        let server = try RawServer(responses: [(cut, true)])
        let transport = Transport(plainHTTP: driver)
        let started = MonotonicClock.now()
        let result = await Self.fetch(transport, server.url)
        #expect(result.status == 200 && result.body.hasPrefix("hello"))
        #expect(result.error?.kind == .network && result.error?.message.contains("before the response ended") == true,
                "\(String(describing: result.error))")
        #expect(MonotonicClock.milliseconds(from: started, to: MonotonicClock.now()) < 2000)
        try await transport.shutdown()
    }

    /// A body delimited by the close ends cleanly; the next request opens a new connection.
    /// An idle keep-alive connection the server closed is not reused.
    @Test(arguments: Transport.PlainHTTPDriver.allCases)
    func closeDelimitedBodiesAndConnectionsTheServerClosed(driver: Transport.PlainHTTPDriver) async throws {
        let server = try RawServer(responses: [
            ("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the close", true),
            ("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nkept", true),  // keep-alive, then closed by the server
            ("HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nnew", false),
        ])
        let transport = Transport(plainHTTP: driver)
        let first = await Self.fetch(transport, server.url)
        #expect(first.status == 200 && first.body == "until the close" && first.error == nil, "\(String(describing: first.error))")
        let second = await Self.fetch(transport, server.url)
        #expect(second.status == 200 && second.body == "kept" && second.error == nil)
        try await Task.sleep(nanoseconds: 100_000_000)  // the server's close reaches the idle connection
        let third = await Self.fetch(transport, server.url)
        #expect(third.status == 201 && third.body == "new" && third.error == nil, "\(String(describing: third.error))")
        #expect(server.connections.withLock { $0 } == 3)
        try await transport.shutdown()
    }

    /// A request larger than the socket takes at once goes out in pieces (the socket loop
    /// waits for room); a response larger than one read comes in over several.
    @Test(arguments: Transport.PlainHTTPDriver.allCases)
    func largeRequestsAndResponses(driver: Transport.PlainHTTPDriver) async throws {
        let big = String(repeating: "0123456789abcdef", count: 20_000)  // 320 kB
        let server = try RawServer(responses: [("HTTP/1.1 200 OK\r\nContent-Length: \(big.utf8.count)\r\n\r\n" + big, false)])
        let transport = Transport(plainHTTP: driver)
        let upload = [UInt8](repeating: UInt8(ascii: "x"), count: 8_000_000)
        let result = await Self.fetch(transport, server.url, body: upload)
        #expect(result.status == 200 && result.error == nil, "\(String(describing: result.error))")
        #expect(result.body == big)
        try await transport.shutdown()
    }

    /// Nothing listening: the exchange fails at once as a network error naming the target.
    @Test(arguments: Transport.PlainHTTPDriver.allCases)
    func aRefusedConnectionFailsAtOnce(driver: Transport.PlainHTTPDriver) async throws {
        let port: Int
        do {
            let server = try RawServer(responses: [])
            port = server.port
        }
        try await Task.sleep(nanoseconds: 50_000_000)  // its listener is closed
        let transport = Transport(plainHTTP: driver)
        let result = await Self.fetch(transport, "http://127.0.0.1:\(port)/v1/x")
        #expect(result.error?.kind == .network && result.error?.message.contains("127.0.0.1:\(port)") == true,
                "\(String(describing: result.error))")
        try await transport.shutdown()
    }

    /// More streams start at once than the socket loop opens handshakes for (64 a target):
    /// the rest wait for a slot or a connection coming free, and none is lost.
    @Test func startsBeyondTheHandshakeLimitWaitTheirTurn() async throws {
        let simulator = try await EmbeddedSimulator.start()
        let transport = Transport()
        let body = Array(#"{"model":"sim-ttft20-gap1-tok3","stream":true,"messages":[{"role":"user","content":"x"}]}"#.utf8)
        let url = simulator.baseURL + "/v1/chat/completions"
        let results = await withTaskGroup(of: (Int?, String, TransportError?).self) { group in
            for _ in 0..<150 { group.addTask { await Self.fetch(transport, url, body: body) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let failures = results.compactMap { $0.2 }
        #expect(results.count == 150 && failures.isEmpty, "\(failures.prefix(3))")
        #expect(results.allSatisfy { $0.0 == 200 && $0.1.contains("[DONE]") })
        #expect(simulator.log.count == 150)
        try await transport.shutdown()
        await simulator.stop()
    }

    /// Sends `remaining` requests one after another, each from the end of the previous one
    /// (on the connection's thread, as a load test's closed loop does).
    final class ChainedConsumer: ExchangeConsumer, @unchecked Sendable {
        let transport: Transport
        let url: String
        var remaining: Int
        var statuses: [Int] = []
        var failures: [TransportError] = []
        let done: @Sendable (ChainedConsumer) -> Void

        init(transport: Transport, url: String, count: Int, done: @escaping @Sendable (ChainedConsumer) -> Void) {
            self.transport = transport
            self.url = url
            self.remaining = count
            self.done = done
        }

        func next() {
            remaining -= 1
            do { try transport.start(method: "GET", url: url, headers: [], body: nil, consumer: self) } catch { failures.append(error); done(self) }
        }

        func attach(_ exchange: Exchange) {}
        func sent(at: UInt64) {}
        func head(status: Int, headers: [(String, String)], at: UInt64) { statuses.append(status) }
        func body(_ bytes: UnsafeRawBufferPointer, at: UInt64) {}
        func end(at: UInt64) { if remaining > 0 { next() } else { done(self) } }
        func failed(_ error: TransportError) { failures.append(error); done(self) }
    }

    /// A server that closes right after each response without saying so (its FIN on the
    /// same packet as the response's last bytes): the next request, sent from the end's
    /// handler, goes on a new connection instead of meeting the end of file.
    @Test(arguments: Transport.PlainHTTPDriver.allCases)
    func aConnectionThePeerClosedIsNotReusedFromTheEndHandler(driver: Transport.PlainHTTPDriver) async throws {
        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let server = try RawServer(responses: Array(repeating: (ok, true), count: 4))
        let transport = Transport(plainHTTP: driver)
        let chain = await withCheckedContinuation { (continuation: CheckedContinuation<ChainedConsumer, Never>) in
            ChainedConsumer(transport: transport, url: server.url, count: 4) { continuation.resume(returning: $0) }.next()
        }
        #expect(chain.failures.isEmpty && chain.statuses == [200, 200, 200, 200], "\(chain.failures)")
        try await transport.shutdown()
    }
}
