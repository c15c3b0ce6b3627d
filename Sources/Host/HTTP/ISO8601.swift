import Foundation
import HostMeasurement
import Hummingbird

/// ISO 8601 UTC with milliseconds, the one time format of exports and documents.
public enum ISO8601 {
    public static func string(fromMilliseconds ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    public static func milliseconds(from text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64(Saturating.int(date.timeIntervalSince1970 * 1000)) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64(Saturating.int(date.timeIntervalSince1970 * 1000)) }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text).map { Int64(Saturating.int($0.timeIntervalSince1970 * 1000)) }
    }
}
