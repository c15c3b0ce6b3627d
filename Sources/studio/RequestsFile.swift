import Foundation
import HostMeasurement
import StudioJSON

/// `studio load --requests-out FILE`: each measured request as the server's per-request
/// export writes it (`GET /api/runs/{id}/requests`), CSV when the name ends in .csv, JSON
/// lines otherwise. Written level by level, so a long test does not hold every row twice.
final class RequestsFile {
    let path: String
    private let handle: FileHandle
    private let csv: Bool

    init(path: String) throws {
        self.path = path
        csv = path.lowercased().hasSuffix(".csv")
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        if csv { try handle.write(contentsOf: Data(CSV.document(header: RequestTiming.columns, rows: []).utf8)) }
    }

    func write(_ timings: [RequestTiming]) throws {
        guard !timings.isEmpty else { return }
        let text = csv ? CSV.lines(timings.map(\.csvRow)) : timings.map { JSONValue.object($0.json).jsonString + "\n" }.joined()
        try handle.write(contentsOf: Data(text.utf8))
    }

    func close() throws { try handle.close() }
}
