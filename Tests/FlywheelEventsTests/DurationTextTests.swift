import FlywheelEvents
import Testing

@Suite("Duration text")
struct DurationTextTests {
    @Test("durations as written in rule and topic files", arguments: [
        ("30s", Int64(30_000)), ("15m", 900_000), ("6h", 21_600_000), ("7d", 604_800_000), ("1h30m", 5_400_000),
        ("2w", 1_209_600_000), ("500ms", 500), ("1d12h", 129_600_000),
    ])
    func parses(_ text: String, _ milliseconds: Int64) {
        #expect(DurationText.milliseconds(text) == milliseconds)
        #expect(DurationText.milliseconds(DurationText.format(milliseconds: milliseconds)) == milliseconds)
    }

    @Test("anything else is refused", arguments: ["", "0s", "07d", "1h0m", "30", "s", "1.5h", "30m1h", "1h1h", "-5s", "5 s", "1y", "99999999999999999999d"])
    func refuses(_ text: String) {
        #expect(DurationText.milliseconds(text) == nil)
    }

    @Test("formatting uses the fewest parts", arguments: [(Int64(5_400_000), "1h30m"), (604_800_000, "7d"), (90_000, "1m30s"), (1500, "1s500ms")])
    func formats(_ milliseconds: Int64, _ text: String) {
        #expect(DurationText.format(milliseconds: milliseconds) == text)
    }
}
