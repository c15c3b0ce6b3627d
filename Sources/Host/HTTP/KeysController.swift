import HostAuth
import HostStorage
import Hummingbird
import StudioJSON

/// `/api/keys` (docs/api.md, "Keys"): a user's provider API keys. A key belongs to one of
/// the caller's providers, named in the path by its `slug` (what benchmark targets say) or
/// its `id` (what `GET /api/providers` lists); both store the key under the slug, which is
/// what a job looks up. Any other name is 404, like every route naming a resource the caller
/// does not own. Listing shows the last 4 characters only; a stored key is never returned.
/// Every change is audited.
struct KeysController {
    let vault: KeyVault
    let providers: ProviderStore
    let audit: AuditLog

    static let keyBody = RequestBody(schema: Schema.object([("api_key", Schema.string(min: 8, max: 1000, pattern: "^\\S+$"))],
                                                           required: ["api_key"]),
                                     example: ["api_key": "sk-example-0000"], limit: 16 << 10)

    func addRoutes(to routes: RouteTable) {
        routes.user(.get, "/api/keys", "Your provider keys, masked, and the global fallbacks your providers would use") { _, context, _ in
            let user = context.identity.userID
            let mine = try await providers.providers(userID: user)
            // A global key shows only where it would be sent: one of the caller's providers
            // with its slug, plugin and base URL.
            let listing = try await vault.list(userID: user).filter { key in
                !key.global || mine.contains { $0.slug == key.providerID && Self.endpoint($0) == key.boundTo }
            }
            return Response.json(["keys": .array(listing.map { ["provider_id": .string($0.providerID),
                                                                "masked": .string("…" + $0.last4), "global": .bool($0.global)] })])
        }
        routes.user(.put, "/api/keys/{provider_id}", "Store your key for one of your providers (slug or id; encrypted at rest)",
                    body: Self.keyBody, owned: "key") { _, context, body in
            let user = context.identity.userID
            guard let provider = try await Self.provider(try Self.providerID(context.parameters), userID: user, in: providers) else {
                throw APIError.notFound
            }
            let key = try Self.checkedKey(body)
            try await vault.store(userID: user, providerID: provider.slug, apiKey: key)
            try await audit.record(userID: user, email: nil, action: "key.set", target: provider.slug, ip: context.clientIP)
            return Response.json(["provider_id": .string(provider.slug), "masked": .string("…" + String(key.suffix(4))), "global": false])
        }
        routes.user(.delete, "/api/keys/{provider_id}", "Delete your key for a provider (slug or id)", owned: "key",
                    success: .noContent) { _, context, _ in
            let user = context.identity.userID
            let name = try Self.providerID(context.parameters)
            // A key whose provider was since deleted or renamed can still be deleted by its slug.
            let slug = try await Self.provider(name, userID: user, in: providers)?.slug ?? name
            guard try await vault.delete(userID: user, providerID: slug) else { throw APIError.notFound }
            try await audit.record(userID: user, email: nil, action: "key.delete", target: slug, ip: context.clientIP)
            return Response(status: .noContent)
        }
    }

    /// One of the user's providers by slug or by id.
    static func provider(_ name: String, userID: String, in providers: ProviderStore) async throws -> ProviderRecord? {
        if let bySlug = try await providers.provider(userID: userID, slug: name) { return bySlug }
        return try await providers.provider(userID: userID, id: name)
    }

    static func endpoint(_ provider: ProviderRecord) -> KeyVault.Endpoint {
        KeyVault.Endpoint(plugin: provider.pluginID, baseURL: provider.baseURL)
    }

    /// A global key's destination as the admin routes show it (null: saved before keys were bound).
    static func boundJSON(_ endpoint: KeyVault.Endpoint?) -> JSONValue {
        endpoint.map { ["plugin": .string($0.plugin), "base_url": .string($0.baseURL)] } ?? .null
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
