import Foundation

/// A 5-field cron expression (minute hour day-of-month month day-of-week) in a named time
/// zone (docs/api.md (Schedules)). Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists
/// `a,b`, month names JAN–DEC and day names SUN–SAT (0 and 7 are Sunday).
///
/// Rules that differ between crons, as chosen here (those of Vixie cron, the common one):
/// - when both day-of-month and day-of-week are restricted, a day matches if either does;
/// - a local time that does not exist (the hour skipped when clocks go forward) fires at
///   the first instant after the gap, so a daily job still runs that day;
/// - a local time that happens twice (clocks go back) fires once, at its first occurrence.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 = Sunday.
    public let daysOfWeek: Set<Int>
    let domRestricted: Bool
    let dowRestricted: Bool
    public let source: String
    public var description: String { source }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        /// minute, hour, day-of-month, month, day-of-week, or expression.
        public let field: String
        public let message: String
        public var description: String { "\(field): \(message)" }
    }

    static let fieldNames = ["minute", "hour", "day-of-month", "month", "day-of-week"]
    static let ranges = [0...59, 0...23, 1...31, 1...12, 0...7]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String) throws(Invalid) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw Invalid(field: "expression", message: "needs 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        var sets: [Set<Int>] = []
        for (i, field) in fields.enumerated() {
            sets.append(try Self.parse(field, index: i))
        }
        minutes = sets[0]
        hours = sets[1]
        daysOfMonth = sets[2]
        months = sets[3]
        daysOfWeek = Set(sets[4].map { $0 == 7 ? 0 : $0 })
        domRestricted = fields[2] != "*" && fields[2] != "?"
        dowRestricted = fields[4] != "*" && fields[4] != "?"
        source = fields.joined(separator: " ")
    }

    static func parse(_ field: String, index: Int) throws(Invalid) -> Set<Int> {
        let name = fieldNames[index]
        let range = ranges[index]
        var values = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw Invalid(field: name, message: "empty item in \"\(field)\"") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw Invalid(field: name, message: "\"\(part)\" has more than one /") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw Invalid(field: name, message: "step in \"\(part)\" must be a whole number ≥ 1") }
                step = s
            }
            let base = String(pieces[0])
            var low: Int, high: Int
            if base == "*" || base == "?" {
                (low, high) = (range.lowerBound, index == 4 ? 6 : range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(String(base[..<dash]), index: index, in: part)
                high = try value(String(base[base.index(after: dash)...]), index: index, in: part)
                guard low <= high else { throw Invalid(field: name, message: "range \"\(base)\" runs backwards") }
            } else {
                low = try value(base, index: index, in: part)
                high = pieces.count == 2 ? (index == 4 ? 6 : range.upperBound) : low  // "5/15" means 5-max/15
            }
            var v = low
            while v <= high {
                values.insert(v)
                v += step
            }
        }
        return values
    }

    static func value(_ text: String, index: Int, in part: Substring) throws(Invalid) -> Int {
        let name = fieldNames[index]
        let upper = text.uppercased()
        if index == 3, let i = monthNames.firstIndex(of: upper) { return i + 1 }
        if index == 4, let i = dayNames.firstIndex(of: upper) { return i }
        guard let v = Int(text) else { throw Invalid(field: name, message: "\"\(text)\" is not a number\(index >= 3 ? " or a name" : "")") }
        guard ranges[index].contains(v) else {
            throw Invalid(field: name, message: "\(v) is outside \(ranges[index].lowerBound)–\(ranges[index].upperBound)")
        }
        return v
    }

    func matchesDay(dayOfMonth: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth.contains(dayOfMonth), dow = daysOfWeek.contains(weekday)
        if domRestricted && dowRestricted { return dom || dow }
        return dom && dow
    }

    /// The first firing instant strictly after `date`, in `timeZone`; nil when there is
    /// none within five years (e.g. 30 February).
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let sortedHours = hours.sorted(), sortedMinutes = minutes.sorted()
        guard let startDay = calendar.date(from: calendar.dateComponents([.year, .month, .day], from: date)) else { return nil }
        for dayOffset in 0..<(366 * 5) {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: startDay) else { return nil }
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard let month = parts.month, months.contains(month), let dom = parts.day, let weekday = parts.weekday,
                  matchesDay(dayOfMonth: dom, weekday: weekday - 1) else { continue }
            for hour in sortedHours {
                for minute in sortedMinutes {
                    var wanted = DateComponents()
                    (wanted.year, wanted.month, wanted.day, wanted.hour, wanted.minute) = (parts.year, month, dom, hour, minute)
                    guard let instant = Self.instant(wanted, calendar: calendar) else { continue }
                    if instant > date { return instant }
                }
            }
        }
        return nil
    }

    /// The instant of a local wall-clock time: the first occurrence when it happens twice,
    /// the end of the gap when it does not exist.
    static func instant(_ wanted: DateComponents, calendar: Calendar) -> Date? {
        guard let candidate = calendar.date(from: wanted) else { return nil }
        let got = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: candidate)
        if got.hour != wanted.hour || got.minute != wanted.minute || got.day != wanted.day {
            // Skipped by a forward change: fire when the local clock resumes after the gap.
            let offsetBefore = calendar.timeZone.secondsFromGMT(for: candidate.addingTimeInterval(-3 * 3600))
            let offsetAfter = calendar.timeZone.secondsFromGMT(for: candidate.addingTimeInterval(3 * 3600))
            if offsetAfter > offsetBefore, let transition = calendar.timeZone.nextDaylightSavingTimeTransition(after: candidate.addingTimeInterval(-3 * 3600)) {
                return transition
            }
            return candidate
        }
        // Twice: an hour earlier is the same wall time when the clocks went back.
        let earlier = candidate.addingTimeInterval(-3600)
        let earlierParts = calendar.dateComponents([.hour, .minute, .day], from: earlier)
        if earlierParts.hour == wanted.hour && earlierParts.minute == wanted.minute && earlierParts.day == wanted.day {
            return earlier
        }
        return candidate
    }
}
