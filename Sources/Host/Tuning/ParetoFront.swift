/// The trials no other trial beats on every count at once (docs/tuning.md): a higher score,
/// a lower cost and a lower latency. A missing cost or latency counts as unknown, never as
/// free, so it neither dominates nor is dominated on that count.
public enum ParetoFront {
    public struct Point: Sendable, Equatable {
        public let id: String
        public let score: Double
        public let cost: Double?
        public let latency: Double?
        public init(id: String, score: Double, cost: Double?, latency: Double?) {
            self.id = id
            self.score = score
            self.cost = cost
            self.latency = latency
        }
    }

    /// The ids on the front, in the order given.
    public static func of(_ points: [Point]) -> [String] {
        points.filter { p in !points.contains { q in q.id != p.id && dominates(q, p) } }.map(\.id)
    }

    /// q is at least as good as p on every known count and better on one.
    static func dominates(_ q: Point, _ p: Point) -> Bool {
        func notWorse(_ a: Double?, _ b: Double?) -> Bool { a == nil || b == nil ? a == nil && b == nil : a! <= b! }
        func better(_ a: Double?, _ b: Double?) -> Bool { a != nil && b != nil && a! < b! }
        guard q.score >= p.score, notWorse(q.cost, p.cost), notWorse(q.latency, p.latency) else { return false }
        return q.score > p.score || better(q.cost, p.cost) || better(q.latency, p.latency)
    }
}
