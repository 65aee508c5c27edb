import ArgumentParser
import FlywheelEvents
import Foundation

/// Intake throughput on one core, without Kafka: structured CloudEvents (the shape scripts/benchmark-serve sends)
/// decoded and validated against the repository's schemas, with parsing the JSON alone as the baseline.
struct IntakeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake", abstract: "Measure decoding and validating CloudEvents: events/s on one core.")

    @Option(help: "The event schemas' folder.") var schemas = "topics/schemas"
    @Option(help: "Events per round.") var events = 200_000
    @Option(help: "Rounds; the best of each measurement is kept.") var rounds = 3

    func run() throws {
        let intake = EventIntake(schemas: try EventSchemas(directory: schemas))
        let records = (0..<events).map { index -> CloudEventRecord in
            let key = "ds-\(String(format: "%02d", index % 100))-\(index / 100 % 10)"
            let value = #"{"specversion":"1.0","id":"evt-\#(String(format: "%09d", index))","source":"s3://lake/\#(key)","#
                + #""type":"data.arrived","time":"2026-11-22T10:00:00.\#(String(format: "%03d", index % 1000))Z","#
                + #""data":{"dataset":"\#(key)","version":"v\#(index)","rows":\#(index % 5000),"bytes":\#(index % 90000),"#
                + #""location":"s3://lake/\#(key)/v\#(index)"}}"#
            return CloudEventRecord(
                key: Array(key.utf8), value: Array(value.utf8),
                headers: [CloudEventRecord.Header(name: "content-type", string: "application/cloudevents+json")])
        }
        var best: [String: Double] = [:]
        for _ in 0..<rounds {
            let parse = Self.time {
                records.reduce(0) { count, record in count + ((try? JSONParser.parse(record.value!)) == nil ? 0 : 1) }
            }
            let decode = Self.time {
                records.reduce(0) { count, record in
                    guard case .events(let decoded) = intake.process(record, source: SourceCoordinates(topic: "t", partition: 0, offset: 0))
                    else { return count }
                    return count + decoded.count
                }
            }
            for (name, (seconds, count)) in [("parse", parse), ("decode", decode)] {
                guard count == records.count else { throw ValidationError("\(name): \(count) of \(records.count) events came through") }
                best[name] = min(best[name] ?? .infinity, seconds)
            }
        }
        for name in ["parse", "decode"] {
            print("intake-\(name) count=\(records.count) seconds=\(String(format: "%.3f", best[name]!)) rate=\(Int(Double(records.count) / best[name]!))")
        }
    }

    private static func time(_ body: () -> Int) -> (Double, Int) {
        let start = ContinuousClock.now
        let count = body()
        let elapsed = ContinuousClock.now - start
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, count)
    }
}
