import ArgumentParser
import FlywheelKafka
import Logging

/// Throughput of Flywheel's Kafka layer, for scripts/benchmark to compare with kcat on the same broker.
@main
struct FlywheelBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flywheel-benchmark",
        abstract: "Measure Flywheel's producer and consumer throughput against a Kafka cluster, and its rule engine.",
        subcommands: [Produce.self, Consume.self, RulesBenchmark.self, IntakeBenchmark.self, PipelineBenchmark.self])
}

struct Common: ParsableArguments {
    @Option(name: .customLong("bootstrap-servers")) var bootstrapServers: String
    @Option var topic: String
    @Option var count = 1_000_000
}

/// One result line, in the `key=value` form scripts/benchmark reads.
func report(_ what: String, count: Int, elapsed: Duration, bytes: Int) {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(count) / seconds
    print("\(what) count=\(count) bytes=\(bytes) seconds=\(String(format: "%.3f", seconds)) rate=\(Int(rate))")
}

struct Produce: AsyncParsableCommand {
    @OptionGroup var common: Common
    @Option(help: "A file of `key<TAB>value` lines, the same that kcat produces.") var input: String
    @Option(help: "Idempotent delivery, Flywheel's default.") var idempotent = true

    func run() async throws {
        var logger = Logger(label: "flywheel.benchmark")
        logger.logLevel = .warning
        let lines = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n").prefix(common.count)
        let messages = lines.map { line -> KafkaProducerMessage in
            let parts = line.split(separator: "\t", maxSplits: 1)
            return KafkaProducerMessage(topic: common.topic, key: Array(parts[0].utf8), value: Array(parts[1].utf8))
        }
        let bytes = messages.reduce(0) { $0 + ($1.value?.count ?? 0) }
        let producer = try await KafkaProducer(
            configuration: KafkaProducerConfiguration(
                client: KafkaClientConfiguration(bootstrapServers: [common.bootstrapServers], clientID: "flywheel-benchmark"),
                isIdempotent: idempotent),
            logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        let results = try await producer.deliver(messages)
        let elapsed = clock.now - start
        let failed = results.filter { if case .failure = $0 { return true } else { return false } }.count
        guard failed == 0 else { throw ValidationError("\(failed) messages were not delivered") }
        report("produce", count: messages.count, elapsed: elapsed, bytes: bytes)
        try await producer.shutdown()
    }
}

struct Consume: AsyncParsableCommand {
    @OptionGroup var common: Common

    func run() async throws {
        var logger = Logger(label: "flywheel.benchmark")
        logger.logLevel = .warning
        let consumer = try await KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: KafkaClientConfiguration(bootstrapServers: [common.bootstrapServers], clientID: "flywheel-benchmark"),
                groupID: "flywheel-benchmark-\(UInt32.random(in: 0...UInt32.max))", topics: [common.topic],
                sessionTimeout: .seconds(6)),
            logger: logger)
        let clock = ContinuousClock()
        let expected = common.count
        let (elapsed, bytes) = try await withThrowingTaskGroup(of: (Duration, Int)?.self) { group in
            group.addTask {
                try await consumer.run()
                return nil
            }
            group.addTask {
                // Timed from the assignment: the group join is the broker's protocol delay, not throughput.
                var start = clock.now
                var seen = 0
                var bytes = 0
                for try await event in consumer.events {
                    switch event {
                    case .partitionsAssigned:
                        if seen == 0 { start = clock.now }
                    case .messages(let messages):
                        for message in messages { bytes &+= message.value?.count ?? 0 }
                        seen += messages.count
                        consumer.storeOffsets(for: messages)
                        if seen >= expected {
                            let elapsed = clock.now - start
                            consumer.triggerGracefulShutdown()
                            return (elapsed, bytes)
                        }
                    case .partitionsRevoked, .partitionsLost:
                        break
                    }
                }
                throw ValidationError("the consumer ended after \(seen) of \(expected) messages")
            }
            var outcome: (Duration, Int)?
            for try await result in group { if let result { outcome = result } }
            return outcome!
        }
        report("consume", count: expected, elapsed: elapsed, bytes: bytes)
    }
}
