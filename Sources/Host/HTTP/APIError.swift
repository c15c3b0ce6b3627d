import Hummingbird
import HostStorage
import NIOCore
import StudioJSON

/// The one error shape of the API: {"error": {"code", "message"}} with the right status
/// (docs/api.md). Routes throw these; any other error becomes a 500 with no details.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(["error": ["code": .string(code), "message": .string(message)]], status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    public static func badInput(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, "invalid_\(field)", "\(field): \(message)")
    }

    /// Well-formed but refused (an unknown plugin, a base URL the SSRF policy forbids).
    public static func unprocessable(_ field: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, "invalid_\(field.split(separator: ".").first.map(String.init) ?? field)", "\(field): \(message)")
    }

    public static let notFound = APIError(.notFound, "not_found", "no such resource")

    /// A stored row whose JSON column no longer decodes (edited by hand, or written by a
    /// bug): the server's fault, so 500, but naming the row and the column so it can be
    /// repaired. Never read as empty: that would show or run something the user never saved.
    public init(_ error: StoredValueError) {
        self.init(.internalServerError, "damaged_record", error.description)
    }

    /// The domain's refusal of a field, as the API answers it (400 or 422).
    public init(_ error: FieldError) {
        switch error.kind {
        case .invalid: self = .badInput(error.field, error.message)
        case .refused: self = .unprocessable(error.field, error.message)
        }
    }
}

extension Request {
    /// The body as a JSON object: 413 beyond `limit` bytes, 400 for anything that is not a
    /// JSON object (depth limited), naming what is wrong.
    /// A body may hold one value per 16 bytes of its limit (at least 10,000): a suite of
    /// 10,000 cases fits its 8 MB, a body of millions of `{}` stops early.
    public func jsonObject(limit: Int = 1 << 20) async throws -> JSONValue {
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: limit) } catch {
            throw APIError(.contentTooLarge, "body_too_large", "request body is larger than \(limit) bytes")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes: Array(buffer.readableBytesView), maxDepth: 32, maxValues: max(10_000, limit / 16))
        } catch {
            throw APIError(.badRequest, "malformed_json", "request body is not valid JSON: \(error)")
        }
        guard value.objectValue != nil else { throw APIError(.badRequest, "malformed_json", "request body must be a JSON object") }
        return value
    }
}

extension JSONValue {
    /// A required string field, or 400 naming it.
    public func requiredString(_ field: String, maxLength: Int = 1000) throws -> String {
        guard let value = self[field] else { throw APIError.badInput(field, "is required") }
        guard let s = value.stringValue else { throw APIError.badInput(field, "must be a string, got \(value.typeName)") }
        guard s.count <= maxLength else { throw APIError.badInput(field, "must be at most \(maxLength) characters") }
        return s
    }

    /// 400 for any field not in `allowed` (unknown fields are refused, not ignored).
    public func onlyFields(_ allowed: Set<String>) throws {
        if let unknown = objectValue?.keys.first(where: { !allowed.contains($0) }) {
            throw APIError.badInput(unknown, "unknown field (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}
