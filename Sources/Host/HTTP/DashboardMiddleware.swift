import Foundation
import HostDelivery
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Serves the dashboard's files (DashboardAssets) for GET and HEAD on any path that is not
/// the API: the smallest encoding the browser accepts, a year's caching for versioned files,
/// revalidation (ETag, 304) for the page. Anything else goes on to the routes.
struct DashboardMiddleware<Context: RequestContext>: RouterMiddleware {
    let assets: DashboardAssets

    /// One load per folder per process: the test suites build many servers on one folder.
    init?(folder: String) {
        if let cached = DashboardAssetsCache.shared.withLock({ $0[folder] }) {
            assets = cached
            return
        }
        guard let fresh = try? DashboardAssets(folder: folder) else { return nil }
        DashboardAssetsCache.shared.withLock { $0[folder] = fresh }
        assets = fresh
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, !request.uri.path.hasPrefix("/api/") else {
            return try await next(request, context)
        }
        let asset: DashboardAssets.Asset, cacheControl: String
        switch assets.lookup(request.uri.path) {
        case .notFound: return try await next(request, context)
        case .immutable(let found): (asset, cacheControl) = (found, "public, max-age=31536000, immutable")
        case .revalidate(let found): (asset, cacheControl) = (found, "no-cache")
        }
        let encoding = DashboardAssets.encoding(for: asset, acceptEncoding: request.headers[.acceptEncoding])
        let body: [UInt8], etag: String
        switch encoding {
        case .br: (body, etag) = (asset.brotli!, String(asset.etag.dropLast()) + "-br\"")
        case .gzip: (body, etag) = (asset.gzip!, String(asset.etag.dropLast()) + "-gz\"")
        case .identity: (body, etag) = (asset.identity, asset.etag)
        }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.eTag] = etag
        headers[.cacheControl] = cacheControl
        headers[.vary] = "Accept-Encoding"
        if encoding != .identity { headers[.contentEncoding] = encoding.rawValue }
        if let wanted = request.headers[.ifNoneMatch],
           wanted.split(separator: ",").contains(where: { let tag = $0.trimmingCharacters(in: .whitespaces); return tag == etag || tag == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(body.count)
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

enum DashboardAssetsCache {
    static let shared = Mutex<[String: DashboardAssets]>([:])
}
