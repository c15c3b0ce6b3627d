import CCompression
import Foundation
import HostDelivery
import HostHTTP
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WebUI

/// The dashboard's files as a browser gets them: versioned names in the page, Brotli or gzip
/// bytes that decode to the file on disk, a year's caching only for versioned files, 304s on
/// revalidation, and the strict CSP on all of it.
@Suite struct DashboardDeliveryTests {
    @Test func thePageNamesVersionedFilesThatAreCachedForAYear() async throws {
        let studio = try await TestStudio.make(.sqlite)
        defer { Task { await studio.close() } }
        try await studio.app.test(.router) { client in
            var scripts: [String] = []
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                let html = String(buffer: response.body)
                let pattern = try NSRegularExpression(pattern: "(?:src|href)=\"(/v/[0-9a-f]{16}/[^\"]+)\"")
                scripts = pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)).map { String(html[Range($0.range(at: 1), in: html)!]) }
            }
            #expect(scripts.contains { $0.hasSuffix("/js/app.js") } && scripts.contains { $0.hasSuffix("/app.css") }, "\(scripts)")
            for path in scripts {
                try await client.execute(uri: path, method: .get, headers: [.acceptEncoding: "gzip, deflate, br"]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                    #expect(response.headers[.contentEncoding] == "br")
                    #expect(response.headers[.vary] == "Accept-Encoding")
                }
            }
            // An older version's name (a page loaded before an upgrade) still gets the file, but not for keeps.
            try await client.execute(uri: "/v/0000000000000000/js/app.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-cache")
            }
            for missing in ["/v/0000000000000000/index.html", "/v/", "/js/nope.js", "/api/nope"] {
                try await client.execute(uri: missing, method: .get) { response in
                    #expect(response.status == .notFound, "\(missing)")
                }
            }
        }
    }

    @Test func eachEncodingDecodesToTheFileAndRevalidatesWithA304() async throws {
        let folder = try #require(WebUI.directory)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: folder + "/js/pages/benchmark.js"))
        let studio = try await TestStudio.make(.sqlite)
        defer { Task { await studio.close() } }
        try await studio.app.test(.router) { client in
            var tags: Set<String> = []
            for (accept, expected) in [("br;q=1.0, gzip;q=0.5", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("identity", nil), ("", nil)] as [(String, String?)] {
                var etag = ""
                try await client.execute(uri: "/js/pages/benchmark.js", method: .get, headers: [.acceptEncoding: accept]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/javascript; charset=utf-8")
                    #expect(response.headers[.contentEncoding] == expected, "\(accept)")
                    let bytes = Array(response.body.readableBytesView)
                    let decoded: [UInt8]? = switch expected {
                    case "br": Self.unbrotli(bytes, size: onDisk.count)
                    case "gzip": Self.gunzip(bytes, size: onDisk.count)
                    default: bytes
                    }
                    #expect(decoded == Array(onDisk), "\(accept) decodes to the file")
                    if expected != nil { #expect(bytes.count < onDisk.count / 2, "compressed: \(bytes.count) of \(onDisk.count) bytes") }
                    etag = response.headers[.eTag] ?? ""
                }
                tags.insert(etag)
                try await client.execute(uri: "/js/pages/benchmark.js", method: .get, headers: [.acceptEncoding: accept, .ifNoneMatch: etag]) { response in
                    #expect(response.status == .notModified)
                    #expect(response.body.readableBytes == 0)
                }
            }
            #expect(tags.count == 3, "one validator per encoding: \(tags)")
            try await client.execute(uri: "/app.css", method: .head, headers: [.acceptEncoding: "gzip"]) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
                #expect(Int(response.headers[.contentLength] ?? "") ?? 0 > 0)
            }
        }
    }

    /// A file changed is a new version; an unchanged set keeps its name (so caches survive restarts).
    @Test func theVersionFollowsTheContent() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("assets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/js", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("<script type=\"module\" src=\"/js/app.js\"></script><link href=\"/app.css\">".utf8).write(to: URL(fileURLWithPath: folder + "/index.html"))
        try Data("export const a = 1;".utf8).write(to: URL(fileURLWithPath: folder + "/js/app.js"))
        try Data("body{}".utf8).write(to: URL(fileURLWithPath: folder + "/app.css"))
        let first = try DashboardAssets(folder: folder), again = try DashboardAssets(folder: folder)
        #expect(first.version == again.version)
        let page = String(decoding: first.files["/index.html"]!.identity, as: UTF8.self)
        #expect(page.contains("src=\"/v/\(first.version)/js/app.js\"") && page.contains("href=\"/v/\(first.version)/app.css\""), "\(page)")
        try Data("export const a = 2;".utf8).write(to: URL(fileURLWithPath: folder + "/js/app.js"))
        #expect(try DashboardAssets(folder: folder).version != first.version)
        // Small files are sent as they are: compressing 19 bytes only adds a header.
        #expect(first.files["/js/app.js"]!.brotli == nil && first.files["/js/app.js"]!.gzip == nil)
    }

    static func gunzip(_ input: [UInt8], size: Int) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: size + 64)
        let status: Int32 = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        return status == Z_STREAM_END ? Array(output.prefix(Int(stream.total_out))) : nil
    }

    static func unbrotli(_ input: [UInt8], size: Int) -> [UInt8]? {
        var length = size + 64
        var output = [UInt8](repeating: 0, count: length)
        let result = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { BrotliDecoderDecompress(source.count, source.baseAddress, &length, $0.baseAddress) }
        }
        return result == BROTLI_DECODER_RESULT_SUCCESS ? Array(output.prefix(length)) : nil
    }
}
