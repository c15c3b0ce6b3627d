import HostSecurity
import HostStorage
import StudioJSON

/// A failure the user should read (the message is shown as is, after scrubbing).
public struct JobFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
