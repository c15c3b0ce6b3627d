import HostMeasurement
import HostTransport
import NIOCore

/// A request whose answer is read whole and not measured — a model list, an OAuth token
/// exchange — sent by the same transport, under the same SSRF policy, as every provider
/// call; bounded in size and in time.
public enum WholeExchange {
    public struct Failure: Error, Sendable {
        public let errorClass: String
        public let message: String
    }

    public static func fetch(_ transport: Transport, method: String, url: String, headers: [(String, String)], body: [UInt8]?,
                             maxBody: Int, timeoutSeconds: Double) async -> Result<(status: Int, body: [UInt8]), Failure> {
        let exchange: AsyncThrowingStream<Transport.Event, any Error>
        do { exchange = try transport.exchange(method: method, url: url, headers: headers, body: body).events } catch {
            return .failure(Failure(errorClass: error.errorClass.description, message: error.message))
        }
        let work = Task { () -> Result<(status: Int, body: [UInt8]), Failure> in
            var status = 0
            var collected: [UInt8] = []
            do {
                for try await event in exchange {
                    switch event {
                    case .head(let code, _, _): status = code
                    case .body(let buffer, _):
                        collected += buffer.readableBytesView
                        if collected.count > maxBody {
                            return .failure(Failure(errorClass: "malformed_response", message: "the answer is larger than \(maxBody) bytes"))
                        }
                    case .end: return .success((status, collected))
                    case .sent: continue
                    }
                }
                return .success((status, collected))
            } catch let error as TransportError {
                return .failure(Failure(errorClass: error.errorClass.description, message: error.message))
            } catch {
                return .failure(Failure(errorClass: "network_error", message: "\(error)"))
            }
        }
        let deadline = Task {
            try await Task.sleep(nanoseconds: UInt64(timeoutSeconds * 1e9))
            work.cancel()
        }
        let outcome = await work.value
        deadline.cancel()
        if case .failure = outcome, work.isCancelled {
            return .failure(Failure(errorClass: "timeout", message: "no answer within \(Int(timeoutSeconds)) s"))
        }
        return outcome
    }
}
