import Foundation
import HTTPTypes
import HostStorage
import Hummingbird
import StudioJSON

/// Who may call a route.
public enum RouteAccess: String, Sendable {
    case `public`, user, admin
}

/// One route as the API contract states it. The OpenAPI document, the ownership matrix
/// test and the bad-input tests are all generated from these, so a route cannot be added
/// without appearing in them.
public struct RouteSpec: Sendable {
    public let method: HTTPRequest.Method
    /// Hummingbird/OpenAPI path syntax: `/api/providers/{id}`.
    public let path: String
    public let access: RouteAccess
    public let summary: String
    public let body: RequestBody?
    /// The kind of caller-owned resource the path's last parameter names ("provider",
    /// "model", ...): such a route must answer 404 to anyone but the owner.
    public let owned: String?
    /// Query parameters the route reads (documented only).
    public let query: [String]
    /// The success status and whether the answer is JSON, for the document.
    public let success: HTTPResponse.Status
}

/// Registers the studio's routes, each with its spec, into one Hummingbird router.
/// Access is part of the registration: a user route's handler takes AuthenticatedContext
/// and an admin route's AdminContext, so neither can run without the proven caller.
/// A declared body is read (size limit), parsed (depth limit) and checked against its
/// schema here, once for every route: handlers see only well-formed input.
public final class RouteTable: @unchecked Sendable {  // filled once while building, read-only after
    public let router: Router<StudioRequestContext>
    public private(set) var specs: [RouteSpec] = []

    public init(router: Router<StudioRequestContext>) { self.router = router }

    public typealias Handler<Context> = @Sendable (Request, Context, JSONValue) async throws -> Response

    public func `public`(_ method: HTTPRequest.Method, _ path: String, _ summary: String, body: RequestBody? = nil,
                         query: [String] = [], success: HTTPResponse.Status = .ok,
                         _ handler: @escaping Handler<StudioRequestContext>) {
        record(method, path, .public, summary, body, nil, query, success)
        router.on(RouterPath(path), method: method) { request, context in
            try await Self.answering { try await handler(request, context, try await Self.readBody(request, body)) }
        }
    }

    public func user(_ method: HTTPRequest.Method, _ path: String, _ summary: String, body: RequestBody? = nil,
                     owned: String? = nil, query: [String] = [], success: HTTPResponse.Status = .ok,
                     _ handler: @escaping Handler<AuthenticatedContext>) {
        record(method, path, .user, summary, body, owned, query, success)
        router.group(context: AuthenticatedContext.self).on(RouterPath(path), method: method) { request, context in
            try await Self.answering { try await handler(request, context, try await Self.readBody(request, body)) }
        }
    }

    public func admin(_ method: HTTPRequest.Method, _ path: String, _ summary: String, body: RequestBody? = nil,
                      query: [String] = [], success: HTTPResponse.Status = .ok,
                      _ handler: @escaping Handler<AdminContext>) {
        record(method, path, .admin, summary, body, nil, query, success)
        router.group(context: AdminContext.self).on(RouterPath(path), method: method) { request, context in
            try await Self.answering { try await handler(request, context, try await Self.readBody(request, body)) }
        }
    }

    private func record(_ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess, _ summary: String,
                        _ body: RequestBody?, _ owned: String?, _ query: [String], _ success: HTTPResponse.Status) {
        precondition(path.hasPrefix("/"), "route paths start with /")
        specs.append(RouteSpec(method: method, path: path, access: access, summary: summary, body: body,
                               owned: owned, query: query, success: success))
    }

    /// Runs a handler; a `FieldError` from the domain becomes the API's answer naming the
    /// field, and a stored value that no longer decodes one naming the row and the column.
    static func answering(_ handler: () async throws -> Response) async throws -> Response {
        do { return try await handler() } catch let error as FieldError { throw APIError(error) } catch let error as StoredValueError {
            throw APIError(error)
        }
    }

    /// The body of a route that declares one, validated; `.null` for routes without.
    static func readBody(_ request: Request, _ spec: RequestBody?) async throws -> JSONValue {
        guard let spec else { return .null }
        // JSON only: a form or text/plain body is what another site's page can send
        // without asking (CSRF), and nothing the API reads.
        guard let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
              type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
        }
        let value = try await request.jsonObject(limit: spec.limit)
        if let (field, message) = unstorable(value, at: "") { throw APIError.badInput(field.isEmpty ? "body" : field, message) }
        if let violation = JSONSchema(spec.schema).validate(value).first { throw error(for: violation) }
        return value
    }

    /// The first value no route may take, whatever its schema: a NUL character (databases
    /// store it as the end of the string, or refuse it), or a number beyond ±9.2e18
    /// (infinite after parsing, or past every integer the studio keeps). Field as a user writes it.
    static func unstorable(_ value: JSONValue, at field: String) -> (String, String)? {
        switch value {
        case .string(let s):
            return s.utf8.contains(0) ? (field, "must not contain the NUL character (\\u0000)") : nil
        case .double(let d):
            return d.isFinite && abs(d) < 9.2e18 ? nil : (field, "number out of range")
        case .array(let items):
            for (i, item) in items.enumerated() { if let found = unstorable(item, at: field + "[\(i)]") { return found } }
            return nil
        case .object(let members):
            for (key, member) in members {
                let name = field.isEmpty ? key : field + "." + key
                if key.utf8.contains(0) { return (field.isEmpty ? "body" : field, "a field name must not contain the NUL character") }
                if let found = unstorable(member, at: name) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// A schema violation as the API reports it: 400 naming the field as a user writes it.
    public static func error(for violation: SchemaViolation, prefix: String = "") -> APIError {
        APIError(FieldError(violation, prefix: prefix))
    }
}
