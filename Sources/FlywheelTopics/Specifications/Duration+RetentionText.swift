import FlywheelEvents

extension Duration {
    /// The units of a retention such as `7d`, largest first (`w` is read but never written).
    private static let retentionUnits: [(suffix: String, milliseconds: Int64)] = [
        ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Parses a retention such as `7d`, `12h` or `1d12h` (see `DurationText`); nil for anything else.
    init?(retentionText text: String) {
        guard let milliseconds = DurationText.milliseconds(text) else { return nil }
        self = .milliseconds(milliseconds)
    }

    /// Whole milliseconds, as Kafka's `retention.ms` wants them.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The retention in the largest unit that divides it exactly, days at most: `7d`, `12h`, `90s`.
    var retentionText: String {
        Duration.retentionText(milliseconds: wholeMilliseconds)
    }

    /// `retention.ms` as a retention (`7d`), `forever` for -1; nil for anything else.
    static func retentionText(kafkaValue: String) -> String? {
        guard let milliseconds = Int64(kafkaValue) else { return nil }
        if milliseconds == -1 { return "forever" }
        return milliseconds > 0 ? retentionText(milliseconds: milliseconds) : nil
    }

    private static func retentionText(milliseconds: Int64) -> String {
        for unit in retentionUnits.dropFirst() where milliseconds % unit.milliseconds == 0 {
            return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
        }
        return "\(milliseconds)ms"
    }
}
