import Foundation
import HTTPTypes
import HostAuth
import HostStorage
import Hummingbird
import StudioJSON

/// `/api/auth/*` (docs/security.md, docs/api.md). The refresh token travels only in an HttpOnly, Secure,
/// SameSite=Strict cookie scoped to /api/auth; the access token only in JSON bodies.
struct AuthController {
    let accounts: AccountService
    /// Runs after an account is created (seeding its configuration).
    let onRegister: @Sendable (String) async throws -> Void
    /// Whether the refresh cookie carries `Secure`, and which browser origins may use it.
    let cookies: CookiePolicy
    static let cookieName = "studio_refresh"

    static let credentials = RequestBody(
        schema: Schema.object([("email", Schema.name(min: 3, max: 254)), ("password", Schema.string(min: 1, max: 200))],
                              required: ["email", "password"]),
        example: ["email": "ada@example.com", "password": "correct horse battery"], limit: 16 << 10)

    static let registration = RequestBody(
        schema: Schema.object([("email", Schema.name(min: 3, max: 254)), ("password", Schema.string(min: 1, max: 200)),
                               ("invite", Schema.name(min: 1, max: 100))],
                              required: ["email", "password"]),
        example: ["email": "ada@example.com", "password": "correct horse battery"], limit: 16 << 10)

    func addRoutes(to routes: RouteTable) {
        routes.public(.get, "/api/auth/registration", "Who may register here: open, invite (an invitation code is needed) or closed") { _, _, _ in
            // The first account can always be created (it becomes the admin).
            let first = try await accounts.users.count() == 0
            return Response.json(["mode": .string(first ? "open" : try await accounts.registrationMode().rawValue)])
        }
        routes.public(.post, "/api/auth/register", "Create an account (the first one is admin); sets the refresh cookie",
                      body: Self.registration, success: .created) { _, context, body in
            let session = try await map { try await accounts.register(email: try body.requiredString("email", maxLength: 254),
                                                                      password: try body.requiredString("password", maxLength: 200),
                                                                      invite: body["invite"]?.stringValue, ip: context.clientIP ?? "unknown") }
            try await onRegister(session.user.id)
            return sessionResponse(session, status: .created, context: context)
        }
        routes.public(.post, "/api/auth/login", "Sign in; sets the refresh cookie", body: Self.credentials) { _, context, body in
            let session = try await map { try await accounts.login(email: try body.requiredString("email", maxLength: 254),
                                                                   password: try body.requiredString("password", maxLength: 200),
                                                                   ip: context.clientIP ?? "unknown") }
            return sessionResponse(session, status: .ok, context: context)
        }
        routes.public(.post, "/api/auth/refresh",
                      "A new access token from the refresh cookie (rotated on every use); 204 when there is no cookie") { request, context, _ in
            // The cookie is sent by the browser whoever asks: only the studio's own pages may.
            try cookies.checkOrigin(request)
            // No cookie is not an error: a page load asks whether a session exists (the
            // cookie is HttpOnly, so the page cannot tell). A bad or reused cookie is.
            guard let token = Self.refreshCookie(request) else { return Response(status: .noContent) }
            let session: AccountService.Session
            do { session = try await accounts.refresh(token) } catch let failure as RefreshTokenStore.Failure {
                var error = APIError(.unauthorized, "refresh_failed", failure.description)
                error.headers[.setCookie] = cookies.cleared(forwardedHTTPS: context.forwardedHTTPS)
                throw error
            } catch AccountService.Failure.disabled {
                throw APIError(.forbidden, "account_disabled", "this account is disabled")
            }
            var response = Response.json(["access_token": .string(session.accessToken), "token_type": "Bearer",
                                           "expires_in": .int(Int64(AccessTokenSigner.lifetime))])
            response.headers[.setCookie] = cookies.cookie(session.refresh, forwardedHTTPS: context.forwardedHTTPS)
            return response
        }
        routes.public(.post, "/api/auth/logout", "Revoke the refresh cookie's session and end every access token of its user",
                      success: .noContent) { request, context, _ in
            try cookies.checkOrigin(request)
            if let token = Self.refreshCookie(request) { try await accounts.logout(refreshToken: token) }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = cookies.cleared(forwardedHTTPS: context.forwardedHTTPS)
            return response
        }

        routes.user(.get, "/api/auth/me", "The signed-in user") { _, context, _ in
            Response.json(Self.userJSON(context.identity.user))
        }
        routes.user(.post, "/api/auth/password", "Change your password; ends every session and CLI token",
                    body: RequestBody(schema: Schema.object([("current_password", Schema.string(min: 1, max: 200)),
                                                             ("new_password", Schema.string(min: 1, max: 200))],
                                                            required: ["current_password", "new_password"]),
                                      example: ["current_password": "correct horse battery", "new_password": "another long phrase"],
                                      limit: 16 << 10),
                    success: .noContent) { _, context, body in
            try await map { try await accounts.changePassword(userID: context.identity.userID,
                                                              current: try body.requiredString("current_password", maxLength: 200),
                                                              new: try body.requiredString("new_password", maxLength: 200)) }
            try await accounts.audit.record(userID: context.identity.userID, email: nil, action: "password.change", ip: context.clientIP)
            var response = Response(status: .noContent)
            response.headers[.setCookie] = cookies.cleared(forwardedHTTPS: context.forwardedHTTPS)
            return response
        }
        routes.user(.get, "/api/auth/cli-tokens", "Your CLI tokens (never the token itself)") { _, context, _ in
            let tokens = try await accounts.cliTokens.list(userID: context.identity.userID)
            return Response.json(["tokens": .array(tokens.map { t in
                ["id": .string(t.id), "name": .string(t.name), "created_at": .int(t.created_at),
                 "last_used_at": t.last_used_at.map(JSONValue.int) ?? .null]
            })])
        }
        routes.user(.post, "/api/auth/cli-tokens", "Create a named CLI token (shown once)",
                    body: RequestBody(schema: Schema.object([("name", Schema.name(min: 1, max: 100, pattern: "\\S"))], required: ["name"]),
                                      example: ["name": "laptop"], limit: 16 << 10),
                    success: .created) { _, context, body in
            let name = try body.requiredString("name", maxLength: 100)
            let (token, id) = try await accounts.cliTokens.create(userID: context.identity.userID, name: name)
            try await accounts.audit.record(userID: context.identity.userID, email: nil, action: "cli_token.create", target: id, ip: context.clientIP)
            return Response.json(["id": .string(id), "name": .string(name), "token": .string(token)], status: .created)
        }
        routes.user(.delete, "/api/auth/cli-tokens/{id}", "Revoke one of your CLI tokens", owned: "cli_token", success: .noContent) { _, context, _ in
            let id = try context.parameters.require("id")
            // Another user's token answers exactly like a missing one.
            guard try await accounts.cliTokens.revoke(userID: context.identity.userID, id: id) else { throw APIError.notFound }
            try await accounts.audit.record(userID: context.identity.userID, email: nil, action: "cli_token.revoke", target: id, ip: context.clientIP)
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
            case .registrationLimit(let ms):
                var error = APIError(.tooManyRequests, "too_many_registrations", failure.description)
                error.headers[.retryAfter] = String((ms + 999) / 1000)
                throw error
            case .registrationClosed: throw APIError(.forbidden, "registration_closed", failure.description)
            case .inviteRequired: throw APIError.badInput("invite", failure.description)
            case .invite: throw APIError(.forbidden, "invalid_invite", "invite: " + failure.description)
            }
        }
    }

    private func sessionResponse(_ session: AccountService.Session, status: HTTPResponse.Status, context: StudioRequestContext) -> Response {
        var response = Response.json(["user": Self.userJSON(session.user), "access_token": .string(session.accessToken),
                                      "token_type": "Bearer", "expires_in": .int(Int64(AccessTokenSigner.lifetime))],
                                     status: status)
        response.headers[.setCookie] = cookies.cookie(session.refresh, forwardedHTTPS: context.forwardedHTTPS)
        return response
    }

    static func userJSON(_ user: UserRecord) -> JSONValue {
        ["id": .string(user.id), "email": .string(user.email), "role": .string(user.role),
         "created_at": .int(user.createdAt), "last_login_at": user.lastLoginAt.map(JSONValue.int) ?? .null]
    }

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
