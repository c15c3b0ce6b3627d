/// The grammar: checks a document and records its nodes. The only place JSON syntax is decided.
struct JSONScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private let maxValues: Int
    private var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxValues: Int = .max) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxValues = maxValues
    }

    mutating func document(into nodes: inout [JSONTape.Node]) throws(JSONParseError) {
        guard bytes.count < Int(Int32.max) else { throw error("JSON document larger than 2 GB") }
        skipWhitespace()
        try value(depth: 0, into: &nodes)
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected data after the JSON value") }
    }

    private func error(_ message: String) -> JSONParseError {
        var line = 1, column = 1
        for i in 0..<min(index, bytes.count) {
            if bytes[i] == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return JSONParseError(message: message, offset: index, line: line, column: column)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Appends a leaf node whose subtree is itself.
    private func leaf(_ kind: JSONTape.Node.Kind, _ start: Int, _ end: Int, into nodes: inout [JSONTape.Node]) {
        nodes.append(JSONTape.Node(kind: kind, start: Int32(start), end: Int32(end), next: Int32(nodes.count + 1)))
    }

    private mutating func value(depth: Int, into nodes: inout [JSONTape.Node]) throws(JSONParseError) {
        guard index < bytes.count else { throw error("unexpected end of JSON") }
        guard nodes.count < maxValues else { throw error("JSON document holds more than \(maxValues) values") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"): try object(depth: depth + 1, into: &nodes)
        case UInt8(ascii: "["): try array(depth: depth + 1, into: &nodes)
        case UInt8(ascii: "\""): try string(into: &nodes)
        case UInt8(ascii: "t"): try expectLiteral("true"); leaf(.true, start, index, into: &nodes)
        case UInt8(ascii: "f"): try expectLiteral("false"); leaf(.false, start, index, into: &nodes)
        case UInt8(ascii: "n"): try expectLiteral("null"); leaf(.null, start, index, into: &nodes)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number(into: &nodes)
        default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("invalid literal") }
        let start = literal.utf8Start
        for i in 0..<count where bytes[index + i] != start[i] { throw error("invalid literal") }
        index += count
    }

    /// Opens a container node; `close` sets where its subtree ends.
    private func open(_ kind: JSONTape.Node.Kind, into nodes: inout [JSONTape.Node]) -> Int {
        nodes.append(JSONTape.Node(kind: kind, start: Int32(index), end: Int32(index), next: 0))
        return nodes.count - 1
    }

    private func close(_ container: Int, into nodes: inout [JSONTape.Node]) {
        nodes[container].end = Int32(index)
        nodes[container].next = Int32(nodes.count)
    }

    private mutating func object(depth: Int, into nodes: inout [JSONTape.Node]) throws(JSONParseError) {
        guard depth <= maxDepth else { throw error("JSON nested deeper than \(maxDepth) levels") }
        let container = open(.object, into: &nodes)
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; close(container, into: &nodes); return }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            try string(into: &nodes)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            index += 1
            skipWhitespace()
            try value(depth: depth, into: &nodes)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of JSON in an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; close(container, into: &nodes); return }
            throw error("expected ',' or '}' in an object")
        }
    }

    private mutating func array(depth: Int, into nodes: inout [JSONTape.Node]) throws(JSONParseError) {
        guard depth <= maxDepth else { throw error("JSON nested deeper than \(maxDepth) levels") }
        let container = open(.array, into: &nodes)
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; close(container, into: &nodes); return }
        while true {
            skipWhitespace()
            try value(depth: depth, into: &nodes)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of JSON in an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; close(container, into: &nodes); return }
            throw error("expected ',' or ']' in an array")
        }
    }

    /// Checks a string (escapes included) and records the bytes between its quotes.
    private mutating func string(into nodes: inout [JSONTape.Node]) throws(JSONParseError) {
        index += 1  // opening quote
        let start = index
        var escaped = false
        while index < bytes.count {
            // Eight bytes at a time while none of them is a quote, a backslash or a control
            // character (most of a stream chunk is string bytes); the bytes below decide.
            while index + 8 <= bytes.count,
                  !Self.anySpecial(UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)) {
                index += 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                leaf(escaped ? .escapedString : .string, start, index, into: &nodes)
                index += 1
                return
            case UInt8(ascii: "\\"):
                escaped = true
                index += 1
                guard index < bytes.count else { throw error("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
                    for _ in 0..<4 {
                        guard Self.hexDigit(bytes[index]) != nil else { throw error("invalid hex digit in \\u escape") }
                        index += 1
                    }
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
            default:
                if byte < 0x20 { throw error("control character in a string") }
                index += 1
            }
        }
        throw error("unterminated string")
    }

    private mutating func number(into nodes: inout [JSONTape.Node]) throws(JSONParseError) {
        let start = index
        var isFloat = false
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("leading zero in a number") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isFloat = true
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid fraction") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isFloat = true
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        leaf(isFloat ? .float : .integer, start, index, into: &nodes)
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Whether any byte of `word` is `"`, `\` or below 0x20. Exact, by the usual bit tricks
    /// for "has a zero byte" and "has a byte less than n" (n ≤ 128).
    @inline(__always) static func anySpecial(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let below = (word &- ones &* 0x20) & ~word & highs != 0
        return below || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C))
    }

    static func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// An integer's text (checked by the grammar) as Int64; nil when it overflows.
    static func integer(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { i = 1 }
        var value: Int64 = 0
        while i < text.count {
            let digit = Int64(text[i] - UInt8(ascii: "0"))
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
            i += 1
        }
        return value
    }

    /// The string a checked, escaped string's bytes stand for. Lone or unpaired
    /// surrogates become U+FFFD.
    static func unescape(_ text: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32 {
            var value: UInt32 = 0
            for k in 0..<4 { value = value * 16 + (hexDigit(text[at + k]) ?? 0) }
            return value
        }
        while i < text.count {
            let byte = text[i]
            guard byte == UInt8(ascii: "\\") else { out.append(byte); i += 1; continue }
            let escape = text[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(code) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    if i + 5 < text.count, text[i] == UInt8(ascii: "\\"), text[i + 1] == UInt8(ascii: "u") {
                        let low = hex4(i + 2)
                        i += 6
                        code = (0xDC00...0xDFFF).contains(low) ? 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                    } else {
                        code = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(code) {
                    code = 0xFFFD
                }
                out.append(contentsOf: String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8)
            default: out.append(escape)  // " \\ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
