import Foundation
import HostAuth
import HostJobs
import HostJudge
import HostPlugins
import HostStorage
import Hummingbird
import StudioJSON

/// `/api/admin/*` (docs/security.md): users, limits, global fallback keys, the audit log, system
/// status. Every route takes AdminContext; every change is audited with the acting admin.
struct AdminController {
    let accounts: AccountService
    let vault: KeyVault
    let providers: ProviderStore
    let status: SystemStatus

    static let userChangeSchema = Schema.object([
        ("role", Schema.oneOf(["user", "admin"])),
        ("disabled", Schema.boolean),
        ("max_jobs_per_hour", Schema.integer(1...100_000, nullable: true)),
        ("max_concurrent_jobs", Schema.integer(1...1000, nullable: true)),
    ])

    func addRoutes(to routes: RouteTable) {
        routes.admin(.get, "/api/admin/users", "Every user with last login, limits and what they own") { _, _, _ in
            let users = try await accounts.users.summaries()
            return Response.json(["users": .array(users.map(Self.summaryJSON))])
        }
        routes.admin(.put, "/api/admin/users/{id}", "Change a user's role, disabled flag or job limits",
                     body: RequestBody(schema: Self.userChangeSchema,
                                       example: ["role": "user", "disabled": false, "max_jobs_per_hour": 60, "max_concurrent_jobs": 2])) { _, context, body in
            let id = try context.parameters.require("id")
            guard let before = try await accounts.users.summaries(id: id).first else { throw APIError.notFound }
            let disabled = body["disabled"]?.boolValue
            do {
                guard try await accounts.users.update(id: id, role: body["role"]?.stringValue, disabled: disabled) else {
                    throw APIError.notFound
                }
            } catch let failure as UserStore.AdminFailure {
                throw APIError(.conflict, "last_admin", failure.description)
            }
            let limitKeys = ["max_jobs_per_hour", "max_concurrent_jobs"]
            if limitKeys.contains(where: { body[$0] != nil }) {
                try await accounts.users.setLimits(
                    id: id,
                    jobsPerHour: body["max_jobs_per_hour"].map { $0.intValue.map(Int.init) } ?? before.max_jobs_per_hour,
                    concurrentJobs: body["max_concurrent_jobs"].map { $0.intValue.map(Int.init) } ?? before.max_concurrent_jobs)
            }
            if disabled == true {
                // A disabled user's sessions end now, not when their tokens expire.
                try await accounts.refreshTokens.revokeAll(userID: id)
                try await accounts.cliTokens.revokeAll(userID: id)
            }
            try await audit(context, "admin.user.update", target: id, detail: body.jsonString)
            guard let after = try await accounts.users.summaries(id: id).first else { throw APIError.notFound }
            return Response.json(Self.summaryJSON(after))
        }
        routes.admin(.delete, "/api/admin/users/{id}", "Delete a user and everything they own (the audit log keeps its entries)",
                     success: .noContent) { _, context, _ in
            let id = try context.parameters.require("id")
            guard let user = try await accounts.users.find(id: id) else { throw APIError.notFound }
            do {
                guard try await accounts.users.deleteChecked(id: id) else { throw APIError.notFound }
            } catch let failure as UserStore.AdminFailure {
                throw APIError(.conflict, "last_admin", failure.description)
            }
            try await audit(context, "admin.user.delete", target: user.email)
            return Response(status: .noContent)
        }

        routes.admin(.get, "/api/admin/audit", "The audit log, newest first", query: ["user", "action", "since", "limit"]) { request, _, _ in
            let query = request.uri.queryParameters
            var since: Int64?
            if let text = query["since"].map(String.init) {
                guard let ms = Int64(text) ?? ISO8601.milliseconds(from: text) else {
                    throw APIError.badInput("since", "must be an ISO 8601 time or Unix milliseconds")
                }
                since = ms
            }
            var limit = 200
            if let text = query["limit"].map(String.init) {
                guard let n = Int(text), (1...5000).contains(n) else { throw APIError.badInput("limit", "must be 1–5000") }
                limit = n
            }
            let entries = try await accounts.audit.search(user: query["user"].map(String.init), action: query["action"].map(String.init),
                                                                   since: since, limit: limit)
            return Response.json(["entries": .array(entries.map { e in
                ["id": .string(e.id), "user_id": e.user_id.map(JSONValue.string) ?? .null,
                 "actor_email": e.actor_email.map(JSONValue.string) ?? .null, "action": .string(e.action),
                 "target": e.target.map(JSONValue.string) ?? .null, "detail": e.detail.map(JSONValue.string) ?? .null,
                 "ip": e.ip.map(JSONValue.string) ?? .null, "created_at": .string(ISO8601.string(fromMilliseconds: e.created_at))]
            })])
        }

        routes.admin(.get, "/api/admin/registration", "Who may register: open, invite (with an invitation) or closed") { _, _, _ in
            Response.json(["mode": .string(try await accounts.registrationMode().rawValue)])
        }
        routes.admin(.put, "/api/admin/registration", "Set who may register: open, invite or closed",
                     body: RequestBody(schema: Schema.object([("mode", Schema.oneOf(AccountService.RegistrationMode.allCases.map(\.rawValue)))],
                                                             required: ["mode"]),
                                       example: ["mode": "invite"], limit: 16 << 10)) { _, context, body in
            let mode = AccountService.RegistrationMode(rawValue: try body.requiredString("mode")) ?? .open
            try await accounts.setRegistrationMode(mode)
            try await audit(context, "admin.registration", target: mode.rawValue)
            return Response.json(["mode": .string(mode.rawValue)])
        }
        routes.admin(.get, "/api/admin/invites", "Invitations: for whom, when they expire, whether used (never the code)") { _, _, _ in
            let invites = try await accounts.invites.list()
            return Response.json(["invites": .array(invites.map { i in
                ["id": .string(i.id), "email": i.email.map(JSONValue.string) ?? .null,
                 "created_at": .string(ISO8601.string(fromMilliseconds: i.created_at)),
                 "expires_at": .string(ISO8601.string(fromMilliseconds: i.expires_at)),
                 "used_at": i.used_at.map { .string(ISO8601.string(fromMilliseconds: $0)) } ?? .null]
            })])
        }
        routes.admin(.post, "/api/admin/invites", "Create an invitation code (shown once), optionally for one email",
                     body: RequestBody(schema: Schema.object([("email", Schema.name(min: 3, max: 254)),
                                                              ("expires_in_hours", Schema.integer(1...720))]),
                                       example: ["email": "bob@example.com", "expires_in_hours": 72], limit: 16 << 10),
                     success: .created) { _, context, body in
            let email = body["email"]?.stringValue
            if let email, !AccountService.isValidEmail(email) { throw APIError.badInput("email", "is not a valid address") }
            let hours = body["expires_in_hours"]?.intValue ?? 72
            let invite = try await accounts.invites.create(by: context.identity.userID, email: email,
                                                                    lifetimeMilliseconds: hours * 3_600_000)
            try await audit(context, "admin.invite.create", target: invite.id)
            return Response.json(["id": .string(invite.id), "code": .string(invite.code), "email": email.map(JSONValue.string) ?? .null,
                                  "expires_at": .string(ISO8601.string(fromMilliseconds: invite.expiresAt))], status: .created)
        }
        routes.admin(.delete, "/api/admin/invites/{id}", "Withdraw an invitation", success: .noContent) { _, context, _ in
            let id = try context.parameters.require("id")
            guard try await accounts.invites.delete(id: id) else { throw APIError.notFound }
            try await audit(context, "admin.invite.delete", target: id)
            return Response(status: .noContent)
        }

        routes.admin(.get, "/api/admin/keys", "Global fallback keys (masked)") { _, _, _ in
            let listing = try await vault.list(userID: "").filter(\.global)
            return Response.json(["keys": .array(listing.map { key in
                ["provider_id": .string(key.providerID), "masked": .string("…" + key.last4),
                 // null: saved before keys were bound to an endpoint; never sent until saved again.
                 "bound_to": KeysController.boundJSON(key.boundTo)]
            })])
        }
        routes.admin(.put, "/api/admin/keys/{provider_id}", "Set the global fallback key of one of your providers (slug or id), bound to its plugin and base URL",
                     body: KeysController.keyBody) { _, context, body in
            // Bound to the admin's own provider of that slug or id: its plugin and base URL are
            // the only place the key is ever sent (a user's provider of the same slug
            // pointing elsewhere never receives it).
            let name = try KeysController.providerID(context.parameters)
            guard let provider = try await KeysController.provider(name, userID: context.identity.userID, in: providers) else {
                throw APIError(.notFound, "not_found",
                               "you have no provider \"\(name)\": a global key is bound to one of your own providers (its plugin and base URL)")
            }
            let key = try KeysController.checkedKey(body)
            let endpoint = KeysController.endpoint(provider)
            try await vault.store(userID: nil, providerID: provider.slug, apiKey: key, boundTo: endpoint)
            try await audit(context, "admin.key.set", target: provider.slug)
            return Response.json(["provider_id": .string(provider.slug), "masked": .string("…" + String(key.suffix(4))), "global": true,
                                  "bound_to": KeysController.boundJSON(endpoint)])
        }
        routes.admin(.delete, "/api/admin/keys/{provider_id}", "Remove a global fallback key", success: .noContent) { _, context, _ in
            let provider = try KeysController.providerID(context.parameters)
            guard try await vault.delete(userID: nil, providerID: provider) else { throw APIError.notFound }
            try await audit(context, "admin.key.delete", target: provider)
            return Response(status: .noContent)
        }

        routes.admin(.get, "/api/admin/system", "Version, uptime, database, plugins, users") { _, _, _ in
            Response.json(try await status.json())
        }
    }

    private func audit(_ context: AdminContext, _ action: String, target: String, detail: String? = nil) async throws {
        try await accounts.audit.record(userID: context.identity.userID, email: nil, action: action, target: target,
                                                 detail: detail, ip: context.clientIP)
    }

    static func summaryJSON(_ u: UserSummary) -> JSONValue {
        ["id": .string(u.id), "email": .string(u.email), "role": .string(u.role), "disabled": .bool(u.disabled),
         "created_at": .string(ISO8601.string(fromMilliseconds: u.created_at)),
         "last_login_at": u.last_login_at.map { .string(ISO8601.string(fromMilliseconds: $0)) } ?? .null,
         "limits": ["max_jobs_per_hour": u.max_jobs_per_hour.map { .int(Int64($0)) } ?? .null,
                    "max_concurrent_jobs": u.max_concurrent_jobs.map { .int(Int64($0)) } ?? .null],
         "counts": ["runs": .int(Int64(u.runs)), "evals": .int(Int64(u.evals)), "schedules": .int(Int64(u.schedules)),
                    "providers": .int(Int64(u.providers))]]
    }
}
