import HostPlugins

/// One tool call reassembled from stream fragments.
public struct AssembledToolCall: Sendable, Equatable {
    public var index: Int
    public var id: String
    public var name: String
    public var arguments: String

    public init(index: Int, id: String, name: String, arguments: String) {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
