import Crypto
import Foundation
import HostTransport

/// AWS Signature Version 4 for provider requests whose manifest names the auth style
/// `aws-sigv4` (Bedrock; docs/plugin-abi.md). The host signs because only the host holds
/// keys and clocks. Credentials come as the provider's key, "ACCESS_KEY_ID:SECRET_ACCESS_KEY"
/// or "ACCESS_KEY_ID:SECRET_ACCESS_KEY:SESSION_TOKEN"; the region is read from the host name
/// (`service.REGION.amazonaws.com`). Checked against botocore's signer (AWSSigV4Tests).
public struct AWSSigV4: Sendable {
    public let accessKeyID: String
    let secretAccessKey: String
    let sessionToken: String?
    public let service: String

    /// Credentials from a key: nil when the key is not "id:secret[:token]" with an AWS
    /// access key id (AKIA… long-term, ASIA… temporary) — a Bedrock API key, say.
    public init?(key: String, service: String) {
        let parts = key.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, parts[0].count >= 16, parts[0].allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }),
              !parts[1].isEmpty else { return nil }
        accessKeyID = parts[0]
        secretAccessKey = parts[1]
        sessionToken = parts.count == 3 && !parts[2].isEmpty ? parts[2] : nil
        self.service = service
    }

    /// `bedrock-runtime.us-east-1.amazonaws.com` → us-east-1; anything else (a proxy, the
    /// simulator) → `fallback`.
    public static func region(host: String, fallback: String = "us-east-1") -> String {
        let labels = host.lowercased().split(separator: ".")
        guard labels.count >= 4, labels.suffix(2) == ["amazonaws", "com"] else { return fallback }
        return String(labels[labels.count - 3])
    }

    /// The headers to add: `X-Amz-Date`, `X-Amz-Security-Token` when temporary, and
    /// `Authorization`. `headers` are the request's own; all of them are signed, with Host.
    public func sign(method: String, url: String, headers: [(String, String)], body: [UInt8]?, date: Date) throws -> [(String, String)] {
        let target = try RequestTarget(url: url)
        let region = Self.region(host: target.host)
        let amzDate = Self.timestamp(date)
        let day = String(amzDate.prefix(8))

        var signed: [(String, String)] = [("host", target.hostHeader), ("x-amz-date", amzDate)]
        if let sessionToken { signed.append(("x-amz-security-token", sessionToken)) }
        for (name, value) in headers {
            let lower = name.lowercased()
            guard !["host", "x-amz-date", "x-amz-security-token", "authorization", "user-agent", "expect"].contains(lower) else { continue }
            signed.append((lower, value))
        }
        // Canonical headers: lowercase names, sorted, values trimmed and inner runs of
        // spaces squeezed, repeats joined with commas.
        var merged: [String: [String]] = [:]
        for (name, value) in signed {
            merged[name, default: []].append(value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "))
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        let (path, query) = Self.split(target.pathAndQuery)
        let canonicalRequest = [
            method.uppercased(),
            Self.canonicalURI(path),
            Self.canonicalQuery(query),
            canonicalHeaders,
            signedHeaders,
            Self.hex(SHA256.hash(data: body ?? [])),
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))].joined(separator: "\n")

        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        var out: [(String, String)] = [("X-Amz-Date", amzDate)]
        if let sessionToken { out.append(("X-Amz-Security-Token", sessionToken)) }
        out.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return out
    }

    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 1970)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }

    static func split(_ pathAndQuery: String) -> (String, String) {
        guard let mark = pathAndQuery.firstIndex(of: "?") else { return (pathAndQuery, "") }
        return (String(pathAndQuery[..<mark]), String(pathAndQuery[pathAndQuery.index(after: mark)...]))
    }

    /// Every service but S3 signs the path encoded once more: the `%3A` a model id's colon
    /// became on the wire is signed as `%253A`.
    static func canonicalURI(_ path: String) -> String {
        path.isEmpty ? "/" : encode(path, keepSlash: true)
    }

    /// Parameters sorted by name then value, each encoded (after decoding what the URL
    /// already encoded, so nothing is encoded twice).
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&").map { item -> (String, String) in
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(kv[0]).removingPercentEncoding ?? String(kv[0])
            let value = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
            return (encode(name, keepSlash: false), encode(value, keepSlash: false))
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// RFC 3986 encoding: unreserved characters kept, every other byte as %XX (upper case).
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return out
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef")
        return String(digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }
}
