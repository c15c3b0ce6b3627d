import Foundation
import HTTPTypes
import HostAuth
import HostStorage
import Hummingbird
import StudioJSON

/// `/api/auth/*` (SPEC §5, §11). The refresh token travels only in an HttpOnly, Secure,
/// SameSite=Strict cookie scoped to /api/auth; the access token only in JSON bodies.
struct AuthController {
    let accounts: AccountService
    static let cookieName = "studio_refresh"

    func addRoutes(to router: Router<StudioRequestContext>) {
        let auth = router.group("api/auth")
        auth.post("register") { request, _ in
            let body = try await request.jsonObject()
            try body.onlyFields(["email", "password"])
            let session = try await map { try await accounts.register(email: try body.requiredString("email", maxLength: 254),
                                                                      password: try body.requiredString("password", maxLength: 200)) }
            return sessionResponse(session, status: .created)
        }
        auth.post("login") { request, context in
            let body = try await request.jsonObject()
            try body.onlyFields(["email", "password"])
            let session = try await map { try await accounts.login(email: try body.requiredString("email", maxLength: 254),
                                                                   password: try body.requiredString("password", maxLength: 200),
                                                                   ip: context.clientIP ?? "unknown") }
            return sessionResponse(session, status: .ok)
        }
        auth.post("refresh") { request, _ in
            guard let token = Self.refreshCookie(request) else {
                throw APIError(.unauthorized, "no_refresh_token", "no refresh cookie: sign in again")
            }
            let session: AccountService.Session
            do { session = try await accounts.refresh(token) } catch let failure as RefreshTokenStore.Failure {
                var error = APIError(.unauthorized, "refresh_failed", failure.description)
                error.headers[.setCookie] = Self.clearedCookie
                throw error
            } catch AccountService.Failure.disabled {
                throw APIError(.forbidden, "account_disabled", "this account is disabled")
            }
            var response = Response.json(["access_token": .string(session.accessToken), "token_type": "Bearer",
                                           "expires_in": .int(Int64(AccessTokenSigner.lifetime))])
            response.headers[.setCookie] = Self.cookie(session.refresh)
            return response
        }
        auth.post("logout") { request, _ in
            if let token = Self.refreshCookie(request) { try await accounts.logout(refreshToken: token) }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = Self.clearedCookie
            return response
        }

        let signedIn = router.group("api/auth", context: AuthenticatedContext.self)
        signedIn.get("me") { _, context in
            guard let user = try await accounts.users.find(id: context.identity.userID) else { throw APIError.notFound }
            return Response.json(Self.userJSON(user))
        }
        signedIn.post("password") { request, context in
            let body = try await request.jsonObject()
            try body.onlyFields(["current_password", "new_password"])
            try await map { try await accounts.changePassword(userID: context.identity.userID,
                                                              current: try body.requiredString("current_password", maxLength: 200),
                                                              new: try body.requiredString("new_password", maxLength: 200)) }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = Self.clearedCookie
            return response
        }
        signedIn.get("cli-tokens") { _, context in
            let tokens = try await accounts.cliTokens.list(userID: context.identity.userID)
            return Response.json(["tokens": .array(tokens.map { t in
                ["id": .string(t.id), "name": .string(t.name), "created_at": .int(t.created_at),
                 "last_used_at": t.last_used_at.map(JSONValue.int) ?? .null]
            })])
        }
        signedIn.post("cli-tokens") { request, context in
            let body = try await request.jsonObject()
            try body.onlyFields(["name"])
            let name = try body.requiredString("name", maxLength: 100)
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw APIError.badInput("name", "must not be empty") }
            let (token, id) = try await accounts.cliTokens.create(userID: context.identity.userID, name: name)
            return Response.json(["id": .string(id), "name": .string(name), "token": .string(token)], status: .created)
        }
        signedIn.delete("cli-tokens/{id}") { _, context in
            let id = try context.parameters.require("id")
            // Another user's token answers exactly like a missing one.
            guard try await accounts.cliTokens.revoke(userID: context.identity.userID, id: id) else { throw APIError.notFound }
            return Response(status: .noContent)
        }
    }

    /// Runs an account operation, turning its failures into API errors.
    private func map<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let failure as AccountService.Failure {
            switch failure {
            case .invalidEmail: throw APIError.badInput("email", failure.description)
            case .weakPassword: throw APIError.badInput("password", failure.description)
            case .emailTaken: throw APIError(.conflict, "email_taken", failure.description)
            case .badCredentials: throw APIError(.unauthorized, "bad_credentials", failure.description)
            case .disabled: throw APIError(.forbidden, "account_disabled", failure.description)
            case .wrongCurrentPassword: throw APIError.badInput("current_password", "is wrong")
            case .locked(let ms):
                var error = APIError(.tooManyRequests, "too_many_attempts", failure.description)
                error.headers[.retryAfter] = String((ms + 999) / 1000)
                throw error
            }
        }
    }

    private func sessionResponse(_ session: AccountService.Session, status: HTTPResponse.Status) -> Response {
        var response = Response.json(["user": Self.userJSON(session.user), "access_token": .string(session.accessToken),
                                      "token_type": "Bearer", "expires_in": .int(Int64(AccessTokenSigner.lifetime))],
                                     status: status)
        response.headers[.setCookie] = Self.cookie(session.refresh)
        return response
    }

    static func userJSON(_ user: UserRecord) -> JSONValue {
        ["id": .string(user.id), "email": .string(user.email), "role": .string(user.role),
         "created_at": .int(user.createdAt), "last_login_at": user.lastLoginAt.map(JSONValue.int) ?? .null]
    }

    static func cookie(_ issued: RefreshTokenStore.Issued) -> String {
        "\(cookieName)=\(issued.token); Path=/api/auth; Max-Age=\(RefreshTokenStore.lifetimeMilliseconds / 1000); HttpOnly; Secure; SameSite=Strict"
    }

    static let clearedCookie = "\(cookieName)=; Path=/api/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict"

    static func refreshCookie(_ request: Request) -> String? {
        for field in request.headers where field.name == .cookie {
            for pair in field.value.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(cookieName + "=") {
                    let value = String(trimmed.dropFirst(cookieName.count + 1))
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }
}

/// Turns `Authorization: Bearer …` into the context's identity. A request without a token
/// passes with no identity (public routes); a bad or expired token is 401 at once.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = StudioRequestContext
    let accounts: AccountService

    func handle(_ request: Request, context: StudioRequestContext,
                next: (Request, StudioRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.lowercased().hasPrefix("bearer "), case let token = String(header.dropFirst(7)), !token.isEmpty else {
            throw APIError(.unauthorized, "invalid_token", "Authorization must be \"Bearer <token>\"")
        }
        guard let (userID, role) = try await accounts.identify(bearer: token) else {
            throw APIError(.unauthorized, "invalid_token", "the token is invalid, expired or revoked")
        }
        var context = context
        context.identity = Identity(userID: userID, role: role)
        return try await next(request, context)
    }
}
