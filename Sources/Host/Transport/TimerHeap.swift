/// Timers by deadline (a binary heap; ties in the order they were set).
struct TimerHeap {
    private var entries: [(deadline: UInt64, order: UInt64, work: () -> Void)] = []
    private var order: UInt64 = 0

    var earliest: UInt64? { entries.first?.deadline }
    var count: Int { entries.count }

    mutating func push(_ deadline: UInt64, _ work: @escaping () -> Void) {
        order += 1
        entries.append((deadline, order, work))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest timer if it is due by `now`.
    mutating func popDue(_ now: UInt64) -> (UInt64, () -> Void)? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < entries.count, Self.before(entries[left], entries[smallest]) { smallest = left }
                if right < entries.count, Self.before(entries[right], entries[smallest]) { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (first.deadline, first.work)
    }

    private static func before(_ a: (deadline: UInt64, order: UInt64, work: () -> Void),
                               _ b: (deadline: UInt64, order: UInt64, work: () -> Void)) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.order < b.order
    }
}
