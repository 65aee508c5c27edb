import ArgumentParser
import FlywheelEvents
import FlywheelKafka
import FlywheelPipeline
import FlywheelRules
import FlywheelService
import Foundation
import Logging

/// The service's own work per event on one core, without Kafka: the records `scripts/benchmark-serve` sends, decoded
/// and validated, then evaluated by the pipeline against the same 100 rules, with their triggers, audit records and
/// state records made, in batches shaped as the consumer hands them over. Decoding alone, in the same run, is the
/// baseline; what the pipeline adds to it is the evaluation and its outputs.
struct PipelineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "Measure decoding, evaluating and making outputs: events/s on one core, without Kafka.")

    @OptionGroup var workload: ServeWorkload.Options
    @Option(help: "Records per batch (the service's max_batch).") var batch = 30_000

    static let topic = "bench-events"
    static let partitions: Int32 = 4

    func run() async throws {
        let (events, rounds) = (workload.events, workload.rounds)
        let schemas = try EventSchemas(directory: workload.schemas)
        let check = RuleSet.check(sources: [("benchmark.yaml", Self.rulesYAML)], schemas: schemas)
        guard let ruleSet = check.ruleSet else { throw ValidationError(check.errors.map(\.description).joined(separator: "\n")) }
        let batches = Self.batches(events: events, size: batch)
        let decoder = IntakeDecoder(intake: EventIntake(schemas: schemas), deadLetterTopic: "flywheel.deadletter", logger: Logger(label: "benchmark"))
        let configuration = ServeConfiguration(
            kafka: KafkaClientConfiguration(bootstrapServers: ["unused:9092"]),
            inputs: [ServeConfiguration.Input(stream: .dataArrivals, topics: [Self.topic], key: ["data", "dataset"])],
            outputTopics: ["bench-triggers"], ruleFiles: [])
        let assigned = Set((0..<Self.partitions).map { KafkaTopicPartition(topic: Self.topic, partition: $0) })

        var best: [String: Double] = [:]
        var outputs = (records: 0, state: 0)
        for _ in 0..<rounds {
            // Decoding alone.
            var started = ContinuousClock.now
            var decodedEvents = 0
            for messages in batches {
                let decoded = await decoder.decode(messages, at: Array(messages.indices), parallelism: 1)
                decodedEvents += decoded.events.count
            }
            best["decode"] = min(best["decode"] ?? .infinity, Self.seconds(since: started))
            guard decodedEvents == events else { throw ValidationError("decoding: \(decodedEvents) of \(events) events came through") }

            // The whole pipeline, on fresh state.
            let state = PipelineState(
                configuration: configuration, ruleSet: ruleSet, partitions: Self.partitions, decoder: decoder, logger: Logger(label: "benchmark"))
            let consumer = PipelineState.ConsumerView(assigned: assigned, rebalanceEvents: state.assignEmpty(Array(0..<Self.partitions)))
            outputs = (0, 0)
            started = ContinuousClock.now
            for messages in batches {
                let decoded = await decoder.decode(messages, at: Array(messages.indices), parallelism: 1)
                let pending = try state.process(messages, decoded: decoded, consumer: consumer)
                outputs.records += pending.records.count
                outputs.state += pending.changelog.count
            }
            best["pipeline"] = min(best["pipeline"] ?? .infinity, Self.seconds(since: started))
        }
        for name in ["decode", "pipeline"] {
            let seconds = best[name]!
            var line = "pipeline-\(name) count=\(events) seconds=\(String(format: "%.3f", seconds)) rate=\(Int(Double(events) / seconds))"
            line += " us_per_event=\(String(format: "%.2f", seconds * 1e6 / Double(events)))"
            if name == "pipeline" { line += " trigger_and_audit_records=\(outputs.records) state_records=\(outputs.state)" }
            print(line)
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The records of scripts/benchmark-serve (data.arrived, about 230 bytes, keyed by 1,000 datasets, 1 ms apart),
    /// on the partitions Kafka's default partitioner gives their keys, handed over as the consumer does: batches of
    /// `size` records in runs of up to 1,000 of one partition.
    static func batches(events: Int, size: Int) -> [[KafkaConsumerMessage]] {
        var byPartition = [[KafkaConsumerMessage]](repeating: [], count: Int(partitions))
        for index in 0..<events {
            let key = ServeWorkload.key(index)
            let value = ServeWorkload.value(index)
            let partition = KafkaPartitioner.partition(of: key, partitions: partitions)
            byPartition[Int(partition)].append(
                KafkaConsumerMessage(
                    topic: topic, partition: partition, offset: Int64(byPartition[Int(partition)].count), key: Array(key.utf8),
                    value: Array(value.utf8), headers: [KafkaHeader(key: "content-type", string: "application/cloudevents+json")]))
        }
        var batches: [[KafkaConsumerMessage]] = []
        var current: [KafkaConsumerMessage] = []
        var next = [Int](repeating: 0, count: Int(partitions))
        while next.indices.contains(where: { next[$0] < byPartition[$0].count }) {
            for partition in byPartition.indices where next[partition] < byPartition[partition].count {
                let run = byPartition[partition][next[partition]..<min(next[partition] + 1_000, byPartition[partition].count)]
                next[partition] += run.count
                current += run
                if current.count >= size {
                    batches.append(current)
                    current = []
                }
            }
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// scripts/benchmark-serve's rules: 100 keyed by dataset, one per dataset prefix, 80 sums of rows and 20 counts
    /// within a window.
    static var rulesYAML: String {
        var yaml = "version: 1\nrules:\n"
        for rule in 0..<100 {
            let prefix = String(format: "%02d", rule)
            let (fire, what) = rule % 5 == 4
                ? ("threshold: {count: 50, within: 1h}", "{{ value }} arrivals within 1h")
                : ("threshold: {sum: data.rows, gte: 100000}", "{{ value }} new rows")
            yaml += """
                  - id: bench-\(prefix)
                    on: data.arrived
                    match:
                      data.dataset: {prefix: "ds-\(prefix)-"}
                    key: data.dataset
                    \(fire)
                    emit:
                      type: retrain.requested
                      topic: bench-triggers
                      data: {target: "train-{{ key }}", reason: "\(what)"}

                """
        }
        return yaml
    }
}
