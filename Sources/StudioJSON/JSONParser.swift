// A strict RFC 8259 parser over UTF-8 bytes, in two steps with one grammar:
// `JSONScanner` checks a document and records it on a `JSONTape` (a flat list of nodes
// pointing into the bytes, no values built); `JSONParser` then builds a `JSONValue` from the
// tape, while hot paths (stream decoders, one small chunk per token) read the few fields they
// need straight off the tape and allocate nothing but the strings they keep. Recursive
// descent with a depth limit, so a hostile document cannot exhaust the stack. Numbers
// without a fraction or exponent are integers (falling back to Double when they overflow
// Int64); everything else is Double.

/// Whether two byte runs are equal: lengths first, then bytes (the generic
/// `elementsEqual` walked both sequences through iterators, a hot spot once per event).
@inlinable
public func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    var i = 0
    while i < a.count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

/// Whether `bytes` spell `literal` exactly.
@inlinable
public func bytesEqual(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
    literal.withUTF8Buffer { bytesEqual(bytes, UnsafeRawBufferPointer($0)) }
}

public enum JSONParser {
    public static let defaultMaxDepth = 256

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        var copy = text
        let result = copy.withUTF8 { bytes in
            Result { () throws(JSONParseError) -> JSONValue in try parse(bytes, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    public static func parse(bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(bytes: bytes, maxDepth: maxDepth, maxValues: .max)
    }

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(bytes, maxDepth: maxDepth, maxValues: .max)
    }

    /// `maxValues`: how many values (every string, number, literal, array and object
    /// counts) the document may hold; past it parsing stops at once, before building
    /// anything, so a small body of millions of `{}` costs neither time nor memory.
    public static func parse(bytes: [UInt8], maxDepth: Int = defaultMaxDepth, maxValues: Int) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buffer, maxDepth: maxDepth, maxValues: maxValues) }
        }
        return try result.get()
    }

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth,
                             maxValues: Int) throws(JSONParseError) -> JSONValue {
        var nodes: [JSONTape.Node] = []
        var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth, maxValues: maxValues)
        try scanner.document(into: &nodes)
        return nodes.withUnsafeBufferPointer { JSONDocument(nodes: $0, bytes: bytes).root.value }
    }
}
