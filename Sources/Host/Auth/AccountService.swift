import HostStorage

/// Accounts and sessions (docs/security.md), independent of HTTP: register, log in, refresh,
/// log out, change password, and turn a bearer token into an identity.
public struct AccountService: Sendable {
    public let users: UserStore
    public let refreshTokens: RefreshTokenStore
    public let cliTokens: CLITokenStore
    public let hasher: PasswordHasher
    public let signer: AccessTokenSigner
    public let throttle: LoginThrottle
    public let audit: AuditLog
    public let invites: InviteStore
    public let settings: ServerSettingsStore
    /// Registrations one client address may attempt per hour.
    public var registrationsPerHour = 10

    public init(database: StudioDatabase, signer: AccessTokenSigner, hasher: PasswordHasher = PasswordHasher()) {
        users = UserStore(database: database)
        refreshTokens = RefreshTokenStore(database: database)
        cliTokens = CLITokenStore(database: database)
        throttle = LoginThrottle(database: database)
        audit = AuditLog(database: database)
        invites = InviteStore(database: database)
        settings = ServerSettingsStore(database: database)
        self.hasher = hasher
        self.signer = signer
    }

    public struct Session: Sendable {
        public let user: UserRecord
        public let accessToken: String
        public let refresh: RefreshTokenStore.Issued
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidEmail, weakPassword(String), emailTaken, badCredentials, disabled, wrongCurrentPassword
        /// Registration is closed, or needs an invitation that is missing or unusable.
        case registrationClosed, inviteRequired, invite(InviteStore.Refusal)
        /// Too many registrations from this address: try again after this many milliseconds.
        case registrationLimit(retryAfterMilliseconds: Int64)
        /// Too many failed logins from this IP: try again after this many milliseconds.
        case locked(retryAfterMilliseconds: Int64)

        public var description: String {
            switch self {
            case .invalidEmail: return "email is not a valid address"
            case .weakPassword(let why): return why
            case .emailTaken: return "an account with this email exists"
            case .badCredentials: return "email or password is wrong"
            case .disabled: return "this account is disabled"
            case .wrongCurrentPassword: return "current_password is wrong"
            case .registrationClosed: return "registration is closed on this studio: ask its admin for an account"
            case .inviteRequired: return "this studio registers by invitation only: enter the invitation code the admin gave you"
            case .invite(let refusal): return refusal.description
            case .registrationLimit(let ms): return "too many registrations from this address: try again in \((ms + 999) / 1000) s"
            case .locked(let ms): return "too many failed logins for this account from this address: try again in \((ms + 999) / 1000) s"
            }
        }
    }

    public static func isValidEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return email.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !email.contains(where: { $0.isWhitespace })
            && !email.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format })
    }

    /// Who may create an account (admin setting, `registration_mode`): anyone, holders of an
    /// invitation, or nobody. The studio's first account can always be created.
    public static let registrationModeSetting = "registration_mode"

    public enum RegistrationMode: String, Sendable, CaseIterable {
        case open, invite, closed
    }

    public func registrationMode() async throws -> RegistrationMode {
        try await settings.get(Self.registrationModeSetting).flatMap(RegistrationMode.init(rawValue:)) ?? .open
    }

    public func setRegistrationMode(_ mode: RegistrationMode) async throws {
        try await settings.set(Self.registrationModeSetting, mode.rawValue)
    }

    /// A registration from a client (what the HTTP route calls): the mode, the invitation
    /// and the per-address limit, then the account.
    public func register(email: String, password: String, invite: String?, ip: String) async throws -> Session {
        let hour: Int64 = 60 * 60 * 1000, now = Clock.milliseconds()
        let (count, start) = try await LoginThrottle.increment(users.database, scope: "register_address", subject: ip, now: now, window: hour)
        if count > registrationsPerHour { throw Failure.registrationLimit(retryAfterMilliseconds: max(1000, start + hour - now)) }
        guard Self.isValidEmail(email) else { throw Failure.invalidEmail }
        do { try PasswordHasher.check(password) } catch { throw Failure.weakPassword(error.description) }
        var redeemed: String? = nil
        if try await users.count() > 0 {
            switch try await registrationMode() {
            case .open: break
            case .closed: throw Failure.registrationClosed
            case .invite:
                guard let invite, !invite.isEmpty else { throw Failure.inviteRequired }
                // An invitation is not used up by a registration that fails anyway.
                if try await users.find(email: email) != nil { throw Failure.emailTaken }
                do { try await invites.redeem(code: invite, email: email) } catch let refusal as InviteStore.Refusal {
                    throw Failure.invite(refusal)
                }
                redeemed = invite
            }
        }
        let session = try await register(email: email, password: password)
        if let redeemed { try await invites.recordUse(code: redeemed, userID: session.user.id) }
        return session
    }

    public func register(email: String, password: String) async throws -> Session {
        guard Self.isValidEmail(email) else { throw Failure.invalidEmail }
        let hash: String
        do { hash = try hasher.hash(password) } catch { throw Failure.weakPassword(error.description) }
        let user: UserRecord
        do { user = try await users.create(email: email, passwordHash: hash) } catch UserStore.Failure.emailTaken {
            throw Failure.emailTaken
        }
        return try await startSession(user)
    }

    /// A login with the rate limits and the audit log (what the HTTP route calls).
    public func login(email: String, password: String, ip: String) async throws -> Session {
        do { try await throttle.reserve(ip: ip, email: email) } catch let refusal as LoginThrottle.Refusal {
            try await audit.record(userID: nil, email: email.lowercased(), action: "login.locked", ip: ip)
            throw Failure.locked(retryAfterMilliseconds: refusal.retryAfterMilliseconds)
        }
        let delay = try await throttle.accountDelay(email: email)
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
        do {
            let session = try await login(email: email, password: password)
            try await throttle.recordSuccess(ip: ip, email: email)
            try await audit.record(userID: session.user.id, email: session.user.email, action: "login.ok", ip: ip)
            return session
        } catch let failure as Failure where failure == .badCredentials || failure == .disabled {
            try await throttle.recordFailure(ip: ip, email: email)
            let user = try await users.find(email: email)
            try await audit.record(userID: user?.id, email: email.lowercased(), action: "login.failed",
                                   detail: failure == .disabled ? "disabled" : nil, ip: ip)
            throw failure
        }
    }

    public func login(email: String, password: String) async throws -> Session {
        // A missing account costs a bcrypt verification too, so timing does not tell
        // which emails exist.
        guard let user = try await users.find(email: email) else {
            _ = hasher.verify(password, hash: Self.decoyHash)
            throw Failure.badCredentials
        }
        guard hasher.verify(password, hash: user.passwordHash) else { throw Failure.badCredentials }
        guard !user.disabled else { throw Failure.disabled }
        try await users.recordLogin(id: user.id)
        return try await startSession(user)
    }

    private func startSession(_ user: UserRecord) async throws -> Session {
        Session(user: user, accessToken: await signer.sign(userID: user.id, role: user.role, version: user.tokenVersion),
                refresh: try await refreshTokens.issue(userID: user.id))
    }

    /// A rotated refresh token and a new access token; a disabled user gets nothing.
    public func refresh(_ token: String) async throws -> Session {
        let issued = try await refreshTokens.rotate(token)
        guard let user = try await users.find(id: issued.userID), !user.disabled else {
            try await refreshTokens.revokeAll(userID: issued.userID)
            throw Failure.disabled
        }
        return Session(user: user, accessToken: await signer.sign(userID: user.id, role: user.role, version: user.tokenVersion),
                       refresh: issued)
    }

    /// Ends this session's refresh family and every access token the user holds now
    /// (other sessions get a new one from their own refresh cookie).
    public func logout(refreshToken: String) async throws {
        if let owner = try await refreshTokens.revokeFamily(of: refreshToken) { try await users.bumpTokenVersion(id: owner) }
    }

    /// Changes the password and ends every session and CLI token of the user.
    public func changePassword(userID: String, current: String, new: String) async throws {
        guard let user = try await users.find(id: userID) else { throw Failure.badCredentials }
        guard hasher.verify(current, hash: user.passwordHash) else { throw Failure.wrongCurrentPassword }
        let hash: String
        do { hash = try hasher.hash(new) } catch { throw Failure.weakPassword(error.description) }
        try await users.setPassword(id: userID, passwordHash: hash)
        try await refreshTokens.revokeAll(userID: userID)
        try await cliTokens.revokeAll(userID: userID)
        try await users.bumpTokenVersion(id: userID)
    }

    /// The caller behind a bearer token (access token or CLI token), or nil. Disabled
    /// users and deleted users have no identity, whatever their token says.
    public func identify(bearer token: String) async throws -> UserRecord? {
        let userID: String
        var version: Int64? = nil
        if token.hasPrefix("studio_cli_") {
            guard let owner = try await cliTokens.authenticate(token) else { return nil }
            userID = owner
        } else {
            guard let claims = try? await signer.verify(token) else { return nil }
            userID = claims.userID
            version = claims.version
        }
        guard let user = try await users.findForAuthentication(id: userID), !user.disabled else { return nil }
        // Logout, a password or role change and disabling bump the stored version.
        if let version, version != Int64(user.tokenVersion) { return nil }
        return user  // the role as stored now, not as the token remembers it
    }

    /// A valid bcrypt hash of a random password, for the missing-account path.
    static let decoyHash = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO8L8l8gYUrM5bwxcB7DW.2GmUuGjdTTe"
}
