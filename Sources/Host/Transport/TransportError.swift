import HostMeasurement

/// A transport failure with its class.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case invalidURL, network, timeout, cancelled, refusedAddress, protocolError
    }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public var errorClass: ErrorClass {
        switch kind {
        case .timeout: return .timeout
        case .cancelled: return .cancelled
        default: return .network
        }
    }
}
