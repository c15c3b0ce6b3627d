/// Reads what WireWriter wrote; every read is bounds-checked (the other end is untrusted).
struct WireReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    struct Truncated: Error {}

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws(Truncated) -> UInt8 {
        guard remaining >= 1 else { throw Truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws(Truncated) -> UInt32 {
        guard remaining >= 4 else { throw Truncated() }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    mutating func i32() throws(Truncated) -> Int32 { Int32(bitPattern: try u32()) }

    mutating func i64() throws(Truncated) -> Int64 {
        let low = UInt64(try u32()), high = UInt64(try u32())
        return Int64(bitPattern: low | high << 32)
    }

    mutating func data(_ count: Int) throws(Truncated) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw Truncated() }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func string() throws(Truncated) -> String {
        String(decoding: try data(Int(try u32())), as: UTF8.self)
    }

    mutating func rest() -> ArraySlice<UInt8> {
        defer { offset = bytes.count }
        return bytes[offset...]
    }
}
