// AWS's binary event-stream framing (`application/vnd.amazon.eventstream`), which Bedrock's
// ConverseStream speaks (docs/wire-formats.md, "AWS Bedrock"). One implementation, linked
// into the bedrock plugin (decoding) and the simulator (encoding).
//
// A message: a 12-byte prelude — total length (UInt32, big-endian), headers length
// (UInt32), CRC-32 of those 8 bytes — then the headers, the payload, and the CRC-32 of
// everything before it. A header: name length (1 byte), name, value type (1 byte), value.

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the checksum of the framing.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C, continuing previous: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        var crc = ~previous
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }
}

public struct EventStreamMessage: Sendable, Equatable {
    /// Header values as text: strings as they are, other types rendered (numbers in
    /// decimal, booleans as true/false, bytes and UUIDs in hex). Bedrock's headers
    /// (`:event-type`, `:message-type`, `:exception-type`, `:content-type`) are strings.
    public var headers: [String: String]
    public var payload: [UInt8]

    public init(headers: [String: String], payload: [UInt8]) {
        self.headers = headers
        self.payload = payload
    }

    /// The message's bytes, string headers in the order given.
    public static func encode(headers: [(String, String)], payload: [UInt8]) -> [UInt8] {
        var headerBytes: [UInt8] = []
        for (name, value) in headers {
            let n = Array(name.utf8), v = Array(value.utf8)
            headerBytes.append(UInt8(truncatingIfNeeded: n.count))
            headerBytes += n
            headerBytes.append(7)  // string
            headerBytes += bigEndian(UInt16(truncatingIfNeeded: v.count))
            headerBytes += v
        }
        let total = UInt32(12 + headerBytes.count + payload.count + 4)
        var message = bigEndian(total) + bigEndian(UInt32(headerBytes.count))
        message += bigEndian(CRC32.checksum(message))
        message += headerBytes
        message += payload
        message += bigEndian(CRC32.checksum(message))
        return message
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

extension EventStreamMessage {
    /// Where each message of a recorded stream ends (by the prelude's lengths, unchecked:
    /// for replaying a recording one message per write). A tail too short to be a
    /// message, or a length past the end, ends the list at the end of the bytes.
    public static func messageEnds(_ bytes: [UInt8]) -> [Int] {
        var ends: [Int] = []
        var at = 0
        while bytes.count - at >= 12 {
            let total = Int(EventStreamDecoder.uint32(bytes, at))
            guard total >= 16, at + total <= bytes.count else { break }
            at += total
            ends.append(at)
        }
        if at < bytes.count { ends.append(bytes.count) }
        return ends
    }
}

public struct EventStreamError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Splits bytes, arriving in any pieces, into messages; checks both checksums and every
/// length before trusting it, so a hostile or broken stream is an error, never a crash
/// or an unbounded buffer.
public struct EventStreamDecoder: Sendable {
    /// A message larger than this is not Bedrock talking (its limit is 16 MiB).
    public static let maxMessage = 16 << 20
    private var pending: [UInt8] = []

    public init() {}

    /// Bytes that belong to a message not complete yet.
    public var bufferedBytes: Int { pending.count }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onMessage: (EventStreamMessage) throws -> Void) throws {
        pending.append(contentsOf: bytes)
        var start = 0
        defer { if start > 0 { pending.removeFirst(start) } }
        while pending.count - start >= 12 {
            let total = Int(Self.uint32(pending, start))
            let headersLength = Int(Self.uint32(pending, start + 4))
            guard CRC32.checksum(pending[start..<start + 8]) == Self.uint32(pending, start + 8) else {
                throw EventStreamError(description: "event-stream prelude checksum does not match")
            }
            guard total >= 16, total <= Self.maxMessage, headersLength <= total - 16 else {
                throw EventStreamError(description: "event-stream message length \(total) (headers \(headersLength)) is impossible")
            }
            guard pending.count - start >= total else { break }
            let end = start + total
            guard CRC32.checksum(pending[start..<end - 4]) == Self.uint32(pending, end - 4) else {
                throw EventStreamError(description: "event-stream message checksum does not match")
            }
            let headers = try Self.headers(pending[start + 12..<start + 12 + headersLength])
            try onMessage(EventStreamMessage(headers: headers, payload: Array(pending[start + 12 + headersLength..<end - 4])))
            start = end
        }
    }

    static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    static func headers(_ bytes: ArraySlice<UInt8>) throws -> [String: String] {
        var out: [String: String] = [:]
        var i = bytes.startIndex
        func need(_ n: Int) throws {
            guard bytes.endIndex - i >= n else { throw EventStreamError(description: "event-stream header runs past its message") }
        }
        func integer(_ n: Int) throws -> UInt64 {
            try need(n)
            var value: UInt64 = 0
            for k in 0..<n { value = value << 8 | UInt64(bytes[i + k]) }
            i += n
            return value
        }
        while i < bytes.endIndex {
            let nameLength = Int(try integer(1))
            try need(nameLength)
            let name = String(decoding: bytes[i..<i + nameLength], as: UTF8.self)
            i += nameLength
            let type = try integer(1)
            let value: String
            switch type {
            case 0: value = "true"
            case 1: value = "false"
            case 2: value = String(Int8(truncatingIfNeeded: try integer(1)))
            case 3: value = String(Int16(truncatingIfNeeded: try integer(2)))
            case 4: value = String(Int32(truncatingIfNeeded: try integer(4)))
            case 5, 8: value = String(Int64(bitPattern: try integer(8)))  // long; timestamp (ms)
            case 6, 7:
                let length = Int(try integer(2))
                try need(length)
                let raw = bytes[i..<i + length]
                value = type == 7 ? String(decoding: raw, as: UTF8.self) : hex(raw)
                i += length
            case 9:
                try need(16)
                value = hex(bytes[i..<i + 16])
                i += 16
            default:
                throw EventStreamError(description: "event-stream header \(name) has unknown type \(type)")
            }
            out[name] = value
        }
        return out
    }
}
