import HostPlugins
import Foundation
import Hummingbird
import StudioJSON

/// The OpenAPI 3.1 document of the API, generated from the route table: every route the
/// server answers is in it, with its access rule, body schema and example.
enum OpenAPI {
    static func document(_ specs: [RouteSpec]) -> JSONValue {
        var paths = JSONObject()
        for spec in specs.sorted(by: { $0.path < $1.path }) {
            var item = paths[spec.path]?.objectValue ?? JSONObject()
            var operation: JSONObject = [
                "summary": .string(spec.summary),
                "operationId": .string(operationID(spec)),
                "tags": [.string(tag(spec.path))],
            ]
            if spec.access != .public { operation["security"] = [["bearer": []]] }
            if spec.access == .admin { operation["description"] = "Admin only (403 for other users)." }
            var parameters: [JSONValue] = pathParameters(spec.path).map { name in
                ["name": .string(name), "in": "path", "required": true, "schema": ["type": "string"]]
            }
            parameters += spec.query.map { ["name": .string($0), "in": "query", "required": false, "schema": ["type": "string"]] }
            if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
            if let body = spec.body {
                operation["requestBody"] = ["required": true, "content": ["application/json": [
                    "schema": body.schema, "example": body.example]]]
            }
            var responses: JSONObject = [String(spec.success.code): ["description": .string(spec.success.reasonPhrase)]]
            let error: JSONValue = ["$ref": "#/components/responses/Error"]
            if spec.body != nil { responses["400"] = error; responses["413"] = error; responses["422"] = error }
            if spec.access != .public { responses["401"] = error }
            if spec.access == .admin { responses["403"] = error }
            if !pathParameters(spec.path).isEmpty { responses["404"] = error }
            operation["responses"] = .object(responses)
            item[spec.method.rawValue.lowercased()] = .object(operation)
            paths[spec.path] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "LLM Benchmark Studio API", "version": .string(StudioVersion.current)],
            "paths": .object(paths),
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT or studio_cli_ token"]],
                "schemas": ["Error": ["type": "object", "required": ["error"], "properties": ["error": [
                    "type": "object", "required": ["code", "message"],
                    "properties": ["code": ["type": "string"], "message": ["type": "string"]]]]]],
                "responses": ["Error": ["description": "An error", "content": ["application/json": [
                    "schema": ["$ref": "#/components/schemas/Error"]]]]],
            ],
        ]
    }

    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    static func tag(_ path: String) -> String {
        let parts = path.split(separator: "/")
        if parts.count > 2, parts[0] == "api" { return parts[1] == "admin" && parts.count > 2 ? "admin" : String(parts[1]) }
        return "ops"
    }

    static func operationID(_ spec: RouteSpec) -> String {
        spec.method.rawValue.lowercased() + spec.path.split(separator: "/").map { part in
            let name = part.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).replacingOccurrences(of: "-", with: "_")
            return name.prefix(1).uppercased() + name.dropFirst()
        }.joined()
    }
}
