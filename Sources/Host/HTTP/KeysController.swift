import HostAuth
import Hummingbird
import StudioJSON

/// `/api/keys` (SPEC §6): a user's provider API keys. Listing shows the last 4 characters
/// only; a stored key is never returned. Every change is audited.
struct KeysController {
    let vault: KeyVault
    let audit: AuditLog

    static let keyBody = RequestBody(schema: Schema.object([("api_key", Schema.string(min: 8, max: 1000, pattern: "^\\S+$"))],
                                                           required: ["api_key"]),
                                     example: ["api_key": "sk-example-0000"], limit: 16 << 10)

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/keys", "Your provider keys, masked, and the global fallbacks you would use") { _, context, _ in
            let listing = try await vault.list(userID: context.identity.userID)
            return Response.json(["keys": .array(listing.map { ["provider_id": .string($0.providerID),
                                                                "masked": .string("…" + $0.last4), "global": .bool($0.global)] })])
        }
        routes.user(.put, "/api/keys/{provider_id}", "Store your key for a provider (encrypted at rest)", body: Self.keyBody,
                    owned: "key") { _, context, body in
            let provider = try Self.providerID(context.parameters)
            let key = try Self.checkedKey(body)
            try await vault.store(userID: context.identity.userID, providerID: provider, apiKey: key)
            try await audit.record(userID: context.identity.userID, email: nil, action: "key.set", target: provider, ip: context.clientIP)
            return Response.json(["provider_id": .string(provider), "masked": .string("…" + String(key.suffix(4))), "global": false])
        }
        routes.user(.delete, "/api/keys/{provider_id}", "Delete your key for a provider", owned: "key", success: .noContent) { _, context, _ in
            let provider = try Self.providerID(context.parameters)
            guard try await vault.delete(userID: context.identity.userID, providerID: provider) else { throw APIError.notFound }
            try await audit.record(userID: context.identity.userID, email: nil, action: "key.delete", target: provider, ip: context.clientIP)
            return Response(status: .noContent)
        }
    }

    static func checkedKey(_ body: JSONValue) throws -> String {
        try body.requiredString("api_key", maxLength: 1000)
    }

    static func providerID(_ parameters: Parameters) throws -> String {
        let id = try parameters.require("provider_id")
        guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw APIError.badInput("provider_id", "use letters, digits, - and _ (at most 64)")
        }
        return id
    }
}
