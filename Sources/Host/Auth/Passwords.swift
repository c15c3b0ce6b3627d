import HummingbirdBcrypt

/// Password hashing (docs/security.md): bcrypt, cost 12 by default, passwords of 8 characters or
/// more. Cost 12 measured 390 ms per hash in a debug build on the project's machine; the
/// login benchmark (issue 4) checks the release build against the 100–300 ms band.
public struct PasswordHasher: Sendable {
    public let cost: UInt8

    public init(cost: UInt8 = 12) { self.cost = max(4, cost) }

    public enum Invalid: Error, Equatable, CustomStringConvertible {
        case tooShort, tooLong, common
        public var description: String {
            switch self {
            case .tooShort: return "password must be at least 8 characters"
            case .common: return "this password is one of the most common ones and is guessed first: choose another"
            case .tooLong: return "password must be at most 72 bytes (bcrypt's limit)"
            }
        }
    }

    public static func check(_ password: String) throws(Invalid) {
        if password.count < 8 { throw .tooShort }
        if password.utf8.count > 72 { throw .tooLong }
        if CommonPasswords.contains(password) { throw .common }
    }

    public func hash(_ password: String) throws(Invalid) -> String {
        try Self.check(password)
        return Bcrypt.hash(password, cost: cost)
    }

    public func verify(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }
}
