/// A document on a tape (borrowed: valid only inside `JSONTape.withDocument`).
public struct JSONDocument {
    let nodes: UnsafeBufferPointer<JSONTape.Node>
    let bytes: UnsafeBufferPointer<UInt8>

    public var root: JSONElement { JSONElement(document: self, index: 0) }
}
