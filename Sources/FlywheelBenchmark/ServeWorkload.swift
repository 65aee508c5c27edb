import ArgumentParser
import FlywheelEvents

/// The events `scripts/benchmark-serve` sends, for the benchmarks that take them without Kafka: data.arrived
/// CloudEvents (structured JSON, about 230 bytes) keyed by 1,000 datasets, 1 ms apart from 2026-11-22T10:00:00Z.
enum ServeWorkload {
    /// The dataset, and Kafka key, of event number `index`.
    static func key(_ index: Int) -> String {
        "ds-\(String(format: "%02d", index % 100))-\(index / 100 % 10)"
    }

    /// The record value of event number `index`.
    static func value(_ index: Int) -> String {
        let key = key(index)
        let time = RFC3339.string(milliseconds: 1_795_341_600_000 + Int64(index))
        return #"{"specversion":"1.0","id":"evt-\#(String(format: "%09d", index))","source":"s3://lake/\#(key)","#
            + #""type":"data.arrived","time":"\#(time)","data":{"dataset":"\#(key)","version":"v\#(index)","#
            + #""rows":\#(index % 5000),"bytes":\#(index % 90000),"location":"s3://lake/\#(key)/v\#(index)"}}"#
    }

    /// What the benchmarks over these events take: where the schemas are, how many events, how many rounds.
    struct Options: ParsableArguments {
        @Option(help: "The event schemas' folder.") var schemas = "topics/schemas"
        @Option(help: "Events per round.") var events = 300_000
        @Option(help: "Rounds; the best of each measurement is kept.") var rounds = 3
    }
}
