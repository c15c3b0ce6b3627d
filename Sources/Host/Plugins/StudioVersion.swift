public enum StudioVersion {
    public static let current = "0.1.0"
}
