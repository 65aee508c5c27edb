import ArgumentParser
import FlywheelKafka
import Logging
import ServiceLifecycle

/// Runs librdkafka's in-process Kafka cluster until SIGTERM or SIGINT, for local development.
struct EmbeddedBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embedded-broker",
        abstract: "Run an in-memory Kafka cluster (librdkafka's mock cluster) and print its bootstrap address.")

    @Option(help: "How many brokers.")
    var brokers = 1

    @Option(name: .customLong("topic"), help: "A topic to create, as NAME or NAME:PARTITIONS; repeat for more.")
    var topics: [String] = []

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .warning

    func run() async throws {
        FlywheelLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "flywheel.embedded-broker")
        let broker = try KafkaEmbeddedBroker(brokers: brokers, logger: logger)
        for topic in topics {
            let parts = topic.split(separator: ":")
            guard let name = parts.first, parts.count <= 2, let partitions = parts.count == 2 ? Int(parts[1]) : 4 else {
                throw ValidationError("--topic \(topic): expected NAME or NAME:PARTITIONS")
            }
            try broker.createTopic(String(name), partitions: partitions)
        }
        print(broker.bootstrapServers)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [BrokerKeeper(broker: broker)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Keeps the embedded broker alive until graceful shutdown.
struct BrokerKeeper: Service {
    let broker: KafkaEmbeddedBroker

    func run() async throws {
        try? await gracefulShutdown()
        withExtendedLifetime(broker) {}
    }
}
