/// A request's bytes: request line, headers, body.
public enum HTTP1Request {
    /// Refuses a method or header that would not survive the wire as given (a CR or LF in
    /// a value would let a caller inject headers).
    public static func bytes(method: String, url: String, headers: [(String, String)], body: [UInt8]?)
        throws(TransportError) -> [UInt8]
    {
        try bytes(method: method, target: RequestTarget(url: url), headers: headers, body: body)
    }

    static func bytes(method: String, target: RequestTarget, headers: [(String, String)], body: [UInt8]?)
        throws(TransportError) -> [UInt8]
    {
        let method = method.uppercased()
        guard isToken(method) else { throw TransportError(.protocolError, "invalid HTTP method") }
        var out: [UInt8] = []
        out.reserveCapacity(256 + (body?.count ?? 0))
        out += method.utf8
        out.append(UInt8(ascii: " "))
        out += target.pathAndQuery.utf8
        out += " HTTP/1.1\r\nHost: ".utf8
        out += target.hostHeader.utf8
        out += "\r\n".utf8
        for (name, value) in headers {
            let lowered = name.lowercased()
            if lowered == "host" || lowered == "content-length" { continue }
            guard isToken(name) else { throw TransportError(.protocolError, "invalid header name \"\(name)\"") }
            guard !value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                // The value may be a secret: only the name goes in the message.
                throw TransportError(.protocolError, "header \(name) has a line break in its value")
            }
            out += name.utf8
            out += ": ".utf8
            out += value.utf8
            out += "\r\n".utf8
        }
        if let body {
            out += "Content-Length: \(body.count)\r\n\r\n".utf8
            out += body
        } else {
            out += "\r\n".utf8
        }
        return out
    }

    /// RFC 9110 token characters.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
