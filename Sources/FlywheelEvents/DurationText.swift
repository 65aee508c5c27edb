/// Durations as people write them in rule and topic files: `30s`, `15m`, `6h`, `7d`, `2w`, `500ms`, `1h30m`.
public enum DurationText {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// The duration in milliseconds: one or more `<positive integer><unit>` parts (no leading zeros), units from
    /// largest to smallest, each at most once; nil for anything else or beyond `maxMilliseconds`.
    public static func milliseconds(_ text: String) -> Int64? {
        let characters = Array(text)
        var position = 0
        var total: Int64 = 0
        var lastUnit = -1
        guard !characters.isEmpty else { return nil }
        while position < characters.count {
            let start = position
            while position < characters.count, characters[position].isASCII, characters[position].isNumber { position += 1 }
            guard position > start, characters[start] != "0", let count = Int64(String(characters[start..<position])) else {
                return nil
            }
            let unitStart = position
            while position < characters.count, characters[position].isASCII, characters[position].isLetter { position += 1 }
            let suffix = String(characters[unitStart..<position])
            guard let unit = units.firstIndex(where: { $0.suffix == suffix }), unit > lastUnit else { return nil }
            lastUnit = unit
            let (part, overflow) = count.multipliedReportingOverflow(by: units[unit].milliseconds)
            let (sum, sumOverflow) = total.addingReportingOverflow(part)
            guard !overflow, !sumOverflow else { return nil }
            total = sum
        }
        return total > 0 && total <= maxMilliseconds ? total : nil
    }

    /// Whether the text is zero: `0`, or `0` with one of the units (`0s`, `0ms`, ...), which `milliseconds` refuses.
    public static func isZero(_ text: String) -> Bool {
        text == "0" || units.contains { "0" + $0.suffix == text }
    }

    /// The longest duration accepted: 100 years, so that adding one to any event time cannot overflow.
    public static let maxMilliseconds: Int64 = 100 * 366 * 86_400_000

    /// `milliseconds` in the fewest parts, largest unit first: `5400000` → `1h30m`.
    public static func format(milliseconds: Int64) -> String {
        guard milliseconds > 0 else { return "0s" }
        var remaining = milliseconds
        var text = ""
        for unit in units.dropFirst() where remaining >= unit.milliseconds {
            text += "\(remaining / unit.milliseconds)\(unit.suffix)"
            remaining %= unit.milliseconds
        }
        return text
    }
}
