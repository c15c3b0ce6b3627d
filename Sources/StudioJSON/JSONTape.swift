/// A checked JSON document as a flat list of nodes over its bytes, in document order: a
/// container's children follow it (an object's as key, value, key, value…) and every node
/// knows where its subtree ends, so lookups skip what they do not need. Keep one tape and
/// reuse it: after the first documents, scanning allocates nothing.
public struct JSONTape: Sendable {
    struct Node: Sendable {
        enum Kind: UInt8, Sendable { case null, `false`, `true`, integer, float, string, escapedString, array, object }
        var kind: Kind
        /// Strings: the bytes between the quotes; numbers: their text.
        var start: Int32
        var end: Int32
        /// Index of the first node after this one's subtree.
        var next: Int32
    }

    var nodes: [Node] = []

    public init() {}

    /// Checks `bytes` as one JSON document and hands `body` a view of it, valid only
    /// during the call. Throws JSONParseError for a malformed document; rethrows `body`'s.
    public mutating func withDocument<R, E: Error>(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = JSONParser.defaultMaxDepth,
                                                   _ body: (JSONDocument) throws(E) -> R) throws -> R {
        nodes.removeAll(keepingCapacity: true)
        var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth)
        try scanner.document(into: &nodes)
        return try nodes.withUnsafeBufferPointer { nodes throws(E) -> R in
            try body(JSONDocument(nodes: nodes, bytes: bytes))
        }
    }

    /// As above, over a byte array.
    public mutating func withDocument<R, E: Error>(_ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth,
                                                   _ body: (JSONDocument) throws(E) -> R) throws -> R {
        try bytes.withUnsafeBufferPointer { buffer in try withDocument(buffer, maxDepth: maxDepth, body) }
    }
}
