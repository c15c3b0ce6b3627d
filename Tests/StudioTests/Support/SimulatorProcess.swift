import Foundation
import HostTransport
import NIOCore
import StudioJSON

/// `studio simulate` in its own process (pinned to the second core when taskset exists),
/// for tests that compare timings with ground truth: in one process, the simulator's
/// work on the same event loops would delay the client's stamps.
final class SimulatorProcess {
    let process: Process
    let baseURL: String
    private let transport = Transport()

    /// `arguments`: more for `studio simulate` (`--replay DIR`).
    init(arguments extra: [String] = []) throws {
        process = Process()
        let studio = TestSupport.studioExecutable
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", "1", studio, "simulate", "--port", "0"] + extra
        } else {
            process.executableURL = URL(fileURLWithPath: studio)
            process.arguments = ["simulate", "--port", "0"] + extra
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // First line: "simulator listening on http://127.0.0.1:PORT".
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "http://") else {
            process.terminate()
            throw SimulatorFailed(message: "studio simulate printed \(text)")
        }
        baseURL = String(text[range.lowerBound...])
    }

    struct SimulatorFailed: Error { let message: String }

    /// The ground-truth record of one request, over HTTP.
    func groundTruth(_ id: String) async throws -> JSONValue {
        let (_, events) = try transport.exchange(method: "GET", url: baseURL + "/sim/requests/" + id, headers: [], body: nil)
        var body: [UInt8] = []
        for try await event in events {
            if case .body(let buffer, _) = event { body += buffer.readableBytesView }
        }
        return try JSONParser.parse(bytes: body)
    }

    func stop() async {
        process.terminate()
        process.waitUntilExit()
        try? await transport.shutdown()
    }
}
