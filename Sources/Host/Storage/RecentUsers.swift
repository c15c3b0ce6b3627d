import Synchronization

/// The accounts `findForAuthentication` read lately, each kept `lifetime`, and the reads in
/// progress (bounded: emptied when full). Shared by every copy of one UserStore.
final class RecentUsers: Sendable {
    static let lifetime: Int64 = 1000  // milliseconds
    static let capacity = 4096

    enum Read {
        case known(UserRecord)
        /// `mine`: this caller started the read and records its outcome.
        case reading(Task<UserRecord?, any Error>, mine: Bool)
    }

    private struct State {
        var known: [String: (user: UserRecord, until: Int64)] = [:]
        var reading: [String: Task<UserRecord?, any Error>] = [:]
    }

    private let state = Mutex(State())

    func lookup(_ id: String, now: Int64, start: () -> Task<UserRecord?, any Error>) -> Read {
        state.withLock { state in
            if let entry = state.known[id], entry.until > now { return .known(entry.user) }
            if let task = state.reading[id] { return .reading(task, mine: false) }
            let task = start()
            state.reading[id] = task
            return .reading(task, mine: true)
        }
    }

    func finished(_ id: String, task: Task<UserRecord?, any Error>, user: UserRecord?, now: Int64) {
        state.withLock { state in
            // A change may have forgotten the account while it was read: then the read is not kept.
            guard state.reading[id] == task else { return }
            state.reading[id] = nil
            if let user {
                if state.known.count >= Self.capacity { state.known.removeAll(keepingCapacity: true) }
                state.known[id] = (user, now + Self.lifetime)
            }
        }
    }

    func forget(_ id: String) {
        state.withLock { state in
            state.known[id] = nil
            state.reading[id] = nil
        }
    }
}
