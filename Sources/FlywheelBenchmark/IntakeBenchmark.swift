import ArgumentParser
import FlywheelEvents
import Foundation

/// Intake throughput on one core, without Kafka: structured CloudEvents (the shape scripts/benchmark-serve sends)
/// decoded and validated against the repository's schemas, with parsing the JSON alone as the baseline.
struct IntakeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake", abstract: "Measure decoding and validating CloudEvents: events/s on one core.")

    @OptionGroup var workload: ServeWorkload.Options

    func run() throws {
        let intake = EventIntake(schemas: try EventSchemas(directory: workload.schemas))
        let records = (0..<workload.events).map { index -> CloudEventRecord in
            CloudEventRecord(
                key: Array(ServeWorkload.key(index).utf8), value: Array(ServeWorkload.value(index).utf8),
                headers: [CloudEventRecord.Header(name: "content-type", string: "application/cloudevents+json")])
        }
        var best: [String: Double] = [:]
        for _ in 0..<workload.rounds {
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
