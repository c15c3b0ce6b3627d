/// An ABI version as major.minor, packed the way version.h packs it.
public struct ABIVersion: Sendable, CustomStringConvertible, Equatable {
    public let major: UInt32
    public let minor: UInt32

    public init(_ packed: UInt32) {
        major = packed >> 16
        minor = packed & 0xFFFF
    }

    public var packed: UInt32 { (major << 16) | minor }
    public var description: String { "\(major).\(minor)" }
}
