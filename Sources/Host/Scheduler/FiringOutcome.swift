/// What happened when a schedule fired.
public enum FiringOutcome: Sendable, Equatable {
    case ok(jobID: String)
    /// The owner's job slot was busy (or their hourly limit reached).
    case skipped(String)
    case failed(String)
}
