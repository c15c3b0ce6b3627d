import Crypto
import Foundation
import HostStorage
import SQLKit

/// Provider API keys at rest (docs/configuration.md): AES-256-GCM under a master key that never enters
/// the database — STUDIO_MASTER_KEY (base64, 32 bytes) or a 0600 key file kept outside
/// the database folder. Each row records the master key's version; `rotate` re-encrypts
/// every key under a new master key in one transaction. Keys are decrypted only to sign a
/// request; listings show the last 4 characters.
public struct KeyVault: Sendable {
    let database: StudioDatabase
    let masterKey: SymmetricKey
    /// First 8 hex digits of SHA-256(master key): which key a row was sealed with.
    let keyVersion: Int

    public init(database: StudioDatabase, masterKey: [UInt8]) throws {
        guard masterKey.count == 32 else { throw VaultError.badMasterKey }
        self.database = database
        self.masterKey = SymmetricKey(data: masterKey)
        self.keyVersion = Self.version(of: masterKey)
    }

    static func version(of key: [UInt8]) -> Int {
        Int(SHA256.hash(data: key).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF)
    }

    public enum VaultError: Error, Equatable, CustomStringConvertible {
        case badMasterKey, wrongMasterKey, tampered
        public var description: String {
            switch self {
            case .badMasterKey: return "the master key must be 32 bytes"
            case .wrongMasterKey: return "this key was sealed under another master key (run `studio keys rotate` with the old one)"
            case .tampered: return "a stored key failed authentication"
            }
        }
    }

    public struct Listing: Sendable, Equatable {
        public let providerID: String
        public let last4: String
        public let global: Bool
        /// A global key's destination (nil for a user's own key, or a global key saved
        /// before keys were bound: such a key is never sent).
        public let boundTo: Endpoint?
    }

    /// Where a global key may be sent: exactly this plugin at this base URL (the admin's
    /// provider definition when the key was saved). A user's provider with the same slug
    /// but another plugin or base URL never receives it.
    public struct Endpoint: Sendable, Equatable {
        public let plugin: String
        public let baseURL: String
        public init(plugin: String, baseURL: String) {
            self.plugin = plugin
            self.baseURL = Self.normalized(baseURL)
        }

        /// Base URLs compare without a trailing slash and with the scheme and host in lower case.
        static func normalized(_ url: String) -> String {
            var text = url.hasSuffix("/") ? String(url.dropLast()) : url
            if let scheme = text.range(of: "://") {
                let rest = text[scheme.upperBound...]
                let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
                text = text[..<hostEnd].lowercased() + text[hostEnd...]
            }
            return text
        }
    }

    /// Stores (or replaces) a user's key for a provider (`providerID` is the provider's
    /// slug). `userID` nil sets the global fallback, which must name the endpoint it is for.
    public func store(userID: String?, providerID: String, apiKey: String, boundTo endpoint: Endpoint? = nil) async throws {
        precondition(userID != nil || endpoint != nil, "a global key is always bound to an endpoint")
        let sealed = try AES.GCM.seal(Array(apiKey.utf8), using: masterKey,
                                      authenticating: Array(Self.context(userID, providerID).utf8))
        let now = Clock.milliseconds()
        let last4 = String(apiKey.suffix(4))
        try await database.transaction { db in
            var delete = db.delete(from: "user_api_keys").where("provider_id", .equal, providerID)
            delete = userID.map { delete.where("user_id", .equal, $0) } ?? delete.where("user_id", .is, SQLLiteral.null)
            try await delete.run()
            try await db.insert(into: "user_api_keys")
                .columns("id", "user_id", "provider_id", "ciphertext", "nonce", "last4", "key_version", "created_at", "updated_at",
                         "bound_plugin", "bound_base_url")
                .values(SQLBind(RecordID.make()), SQLBind(userID), SQLBind(providerID),
                        SQLBind(Data(sealed.ciphertext + sealed.tag)), SQLBind(Data(sealed.nonce)), SQLBind(last4),
                        SQLBind(keyVersion), SQLBind(now), SQLBind(now),
                        SQLBind(userID == nil ? endpoint?.plugin : nil), SQLBind(userID == nil ? endpoint?.baseURL : nil)).run()
        }
    }

    private struct Row: Codable {
        let user_id: String?
        let provider_id: String
        let ciphertext: Data
        let nonce: Data
        let last4: String
        let key_version: Int
        let bound_plugin: String?
        let bound_base_url: String?

        var boundTo: Endpoint? {
            guard let bound_plugin, let bound_base_url else { return nil }
            return Endpoint(plugin: bound_plugin, baseURL: bound_base_url)
        }
    }

    static let columns = ["user_id", "provider_id", "ciphertext", "nonce", "last4", "key_version", "bound_plugin", "bound_base_url"]

    /// The key to sign a request to `endpoint` with: the user's own key for the provider
    /// `providerID` (slug), else the admin's global one, but only where it is bound to
    /// this very endpoint.
    public func key(userID: String, providerID: String, endpoint: Endpoint) async throws -> String? {
        let rows = try await database.withSQL { db in
            try await db.select().columns(Self.columns).from("user_api_keys").where("provider_id", .equal, providerID)
                .where { $0.where("user_id", .equal, userID).orWhere("user_id", .is, SQLLiteral.null) }
                .all(decoding: Row.self)
        }
        guard let row = rows.first(where: { $0.user_id == userID })
            ?? rows.first(where: { $0.user_id == nil && $0.boundTo == endpoint }) else { return nil }
        return try open(row, with: masterKey, version: keyVersion)
    }

    /// Masked listing of a user's keys and every global one (callers show a user only
    /// the globals bound to their own providers).
    public func list(userID: String) async throws -> [Listing] {
        try await database.withSQL { db in
            try await db.select().columns(Self.columns)
                .from("user_api_keys").where { $0.where("user_id", .equal, userID).orWhere("user_id", .is, SQLLiteral.null) }
                .orderBy("provider_id").all(decoding: Row.self)
        }.map { Listing(providerID: $0.provider_id, last4: $0.last4, global: $0.user_id == nil, boundTo: $0.boundTo) }
    }

    public func delete(userID: String?, providerID: String) async throws -> Bool {
        try await database.withSQL { db in
            var select = db.select().column("id").from("user_api_keys").where("provider_id", .equal, providerID)
            select = userID.map { select.where("user_id", .equal, $0) } ?? select.where("user_id", .is, SQLLiteral.null)
            guard try await select.first() != nil else { return false }
            var delete = db.delete(from: "user_api_keys").where("provider_id", .equal, providerID)
            delete = userID.map { delete.where("user_id", .equal, $0) } ?? delete.where("user_id", .is, SQLLiteral.null)
            try await delete.run()
            return true
        }
    }

    /// Re-encrypts every stored key under `newMasterKey`, all or nothing. Returns how many.
    public func rotate(to newMasterKey: [UInt8]) async throws -> Int {
        guard newMasterKey.count == 32 else { throw VaultError.badMasterKey }
        let newKey = SymmetricKey(data: newMasterKey), newVersion = Self.version(of: newMasterKey)
        let oldKey = masterKey, oldVersion = keyVersion
        return try await database.transaction { db in
            let rows = try await db.select().columns(Self.columns).from("user_api_keys").all(decoding: Row.self)
            for row in rows {
                let plain = try open(row, with: oldKey, version: oldVersion)
                let sealed = try AES.GCM.seal(Array(plain.utf8), using: newKey,
                                              authenticating: Array(Self.context(row.user_id, row.provider_id).utf8))
                var update = db.update("user_api_keys").set("ciphertext", to: SQLBind(Data(sealed.ciphertext + sealed.tag)))
                    .set("nonce", to: SQLBind(Data(sealed.nonce))).set("key_version", to: SQLBind(newVersion))
                    .set("updated_at", to: SQLBind(Clock.milliseconds())).where("provider_id", .equal, row.provider_id)
                update = row.user_id.map { update.where("user_id", .equal, $0) } ?? update.where("user_id", .is, SQLLiteral.null)
                try await update.run()
            }
            return rows.count
        }
    }

    private func open(_ row: Row, with key: SymmetricKey, version: Int) throws -> String {
        guard row.key_version == version else { throw VaultError.wrongMasterKey }
        guard row.ciphertext.count >= 16, let nonce = try? AES.GCM.Nonce(data: row.nonce) else { throw VaultError.tampered }
        let body = row.ciphertext.prefix(row.ciphertext.count - 16), tag = row.ciphertext.suffix(16)
        do {
            let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: body, tag: tag)
            let plain = try AES.GCM.open(box, using: key, authenticating: Array(Self.context(row.user_id, row.provider_id).utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw VaultError.tampered
        }
    }

    /// Binds a ciphertext to its row: a key copied to another user or provider fails to open.
    static func context(_ userID: String?, _ providerID: String) -> String { "studio-key:\(userID ?? "*"):\(providerID)" }

    /// The master key: STUDIO_MASTER_KEY (base64 of 32 bytes), else the 0600 file at `path`
    /// (STUDIO_MASTER_KEY_FILE, by default outside the data folder), created on first use.
    public static func loadMasterKey(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [UInt8] {
        if let value = environment["STUDIO_MASTER_KEY"] {
            guard let bytes = Data(base64Encoded: value), bytes.count == 32 else { throw VaultError.badMasterKey }
            return Array(bytes)
        }
        let text = try SecretFile.fromFile(path)
        guard let bytes = Base64URL.decode(String(decoding: text, as: UTF8.self)), bytes.count == 32 else { throw VaultError.badMasterKey }
        return bytes
    }
}
