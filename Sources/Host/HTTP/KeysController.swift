import HostAuth
import Hummingbird
import StudioJSON

/// `/api/keys` (SPEC §6): a user's provider API keys. Listing shows the last 4 characters
/// only; a stored key is never returned. Every change is audited.
struct KeysController {
    let vault: KeyVault
    let audit: AuditLog

    func addRoutes(to router: Router<StudioRequestContext>) {
        let keys = router.group("api/keys", context: AuthenticatedContext.self)
        keys.get { _, context in
            let listing = try await vault.list(userID: context.identity.userID)
            return Response.json(["keys": .array(listing.map { ["provider_id": .string($0.providerID),
                                                                "masked": .string("…" + $0.last4), "global": .bool($0.global)] })])
        }
        keys.put("{provider_id}") { request, context in
            let provider = try Self.providerID(context)
            let body = try await request.jsonObject(limit: 16 << 10)
            try body.onlyFields(["api_key"])
            let key = try body.requiredString("api_key", maxLength: 1000)
            guard key.count >= 8, !key.contains(where: { $0.isWhitespace }) else {
                throw APIError.badInput("api_key", "must be at least 8 characters without spaces")
            }
            try await vault.store(userID: context.identity.userID, providerID: provider, apiKey: key)
            try await audit.record(userID: context.identity.userID, email: nil, action: "key.set", target: provider, ip: context.clientIP)
            return Response.json(["provider_id": .string(provider), "masked": .string("…" + String(key.suffix(4)))])
        }
        keys.delete("{provider_id}") { _, context in
            let provider = try Self.providerID(context)
            guard try await vault.delete(userID: context.identity.userID, providerID: provider) else { throw APIError.notFound }
            try await audit.record(userID: context.identity.userID, email: nil, action: "key.delete", target: provider, ip: context.clientIP)
            return Response(status: .noContent)
        }
    }

    static func providerID(_ context: AuthenticatedContext) throws -> String {
        let id = try context.parameters.require("provider_id")
        guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw APIError.badInput("provider_id", "use letters, digits, - and _ (at most 64)")
        }
        return id
    }
}
