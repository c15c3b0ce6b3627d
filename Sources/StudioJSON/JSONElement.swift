/// One value of a borrowed document. Accessors mirror JSONValue's.
public struct JSONElement {
    let document: JSONDocument
    let index: Int

    private var node: JSONTape.Node { document.nodes[index] }
    private var text: UnsafeBufferPointer<UInt8> {
        let node = self.node
        return UnsafeBufferPointer(rebasing: document.bytes[Int(node.start)..<Int(node.end)])
    }

    /// The member named `key` of an object (nil for a missing key or a non-object).
    public subscript(key: String) -> JSONElement? {
        guard node.kind == .object else { return nil }
        var key = key
        return key.withUTF8 { wanted -> JSONElement? in
            var i = index + 1
            let end = Int(node.next)
            while i < end {
                let name = JSONElement(document: document, index: i)
                let matches = name.node.kind == .string
                    ? bytesEqual(UnsafeRawBufferPointer(name.text), UnsafeRawBufferPointer(wanted))
                    : name.stringValue.map { $0.utf8.elementsEqual(wanted) } ?? false
                if matches { return JSONElement(document: document, index: i + 1) }
                i = Int(document.nodes[i + 1].next)
            }
            return nil
        }
    }

    /// Calls `body` with each element of an array (nothing for a non-array).
    public func forEachElement<E: Error>(_ body: (JSONElement) throws(E) -> Void) throws(E) {
        guard node.kind == .array else { return }
        var i = index + 1
        let end = Int(node.next)
        while i < end {
            try body(JSONElement(document: document, index: i))
            i = Int(document.nodes[i].next)
        }
    }

    public var isNull: Bool { node.kind == .null }
    public var isArray: Bool { node.kind == .array }

    public var stringValue: String? {
        switch node.kind {
        case .string: return String(decoding: text, as: UTF8.self)
        case .escapedString: return JSONScanner.unescape(text)
        default: return nil
        }
    }

    /// A string's bytes as they appear between the quotes, when it has no escapes (so they
    /// are the string's UTF-8 exactly): lets a caller pass them on without a copy.
    public var unescapedStringBytes: UnsafeBufferPointer<UInt8>? { node.kind == .string ? text : nil }

    public var boolValue: Bool? {
        switch node.kind {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }

    public var intValue: Int64? { value.intValue }
    public var doubleValue: Double? { value.doubleValue }

    /// The value built in full.
    public var value: JSONValue {
        switch node.kind {
        case .null: return .null
        case .false: return .bool(false)
        case .true: return .bool(true)
        case .integer:
            if let integer = JSONScanner.integer(text) { return .int(integer) }
            return .double(Double(String(decoding: text, as: UTF8.self)) ?? .nan)
        case .float: return .double(Double(String(decoding: text, as: UTF8.self)) ?? .nan)
        case .string, .escapedString: return .string(stringValue ?? "")
        case .array:
            var array: [JSONValue] = []
            forEachElement { array.append($0.value) }
            return .array(array)
        case .object:
            var object = JSONObject()
            var i = index + 1
            let end = Int(node.next)
            while i < end {
                let key = JSONElement(document: document, index: i).stringValue ?? ""
                object[key] = JSONElement(document: document, index: i + 1).value
                i = Int(document.nodes[i + 1].next)
            }
            return .object(object)
        }
    }
}
