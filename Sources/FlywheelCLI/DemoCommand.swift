import ArgumentParser
import FlywheelKafka
import Logging
import ServiceLifecycle
import Synchronization

/// Produces a few MLOps events to Kafka and shows a consumer group reading them.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the embedded Kafka cluster, produce sample MLOps events and show them consumed.",
        discussion: "With --bootstrap-servers it uses that cluster instead; it ends by itself."
    )

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Use the in-process Kafka cluster (the default unless --bootstrap-servers is given).")
    var embedded = false

    @Option(help: "The topic to use.")
    var topic = "flywheel.demo.events"

    func validate() throws {
        if embedded, connection.bootstrapServers != nil {
            throw ValidationError("--embedded and --bootstrap-servers exclude each other")
        }
    }

    func run() async throws {
        FlywheelLogging.bootstrap(level: connection.logLevel)
        let logger = Logger(label: "flywheel.demo")
        try LibRdKafka.checkSupported()

        var embeddedBroker: KafkaEmbeddedBroker?
        let client: KafkaClientConfiguration
        if let servers = connection.bootstrapServers {
            client = try connection.clientConfiguration(clientID: "flywheel-demo")
            print("Flywheel demo on Kafka at \(servers) (librdkafka \(LibRdKafka.versionString))")
        } else {
            let broker = try KafkaEmbeddedBroker(logger: logger)
            try broker.createTopic(topic, partitions: 4)
            embeddedBroker = broker
            client = try connection.clientConfiguration(servers: broker.bootstrapServers, clientID: "flywheel-demo")
            print("Flywheel demo on the embedded Kafka cluster at \(broker.bootstrapServers) (librdkafka \(LibRdKafka.versionString))")
        }

        if embeddedBroker == nil {
            let admin = try await KafkaAdmin(configuration: client, logger: logger)
            if let error = try await admin.createTopics([KafkaTopicSpecification(name: topic, partitions: 4)])[topic] ?? nil,
                error.code != .topicAlreadyExists
            {
                throw error
            }
        }

        let groupID = "flywheel-demo-\(UInt32.random(in: 0...UInt32.max))"
        let producer = try await KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let consumer = try await KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: client, groupID: groupID, topics: [topic], sessionTimeout: .seconds(6)),
            logger: logger)

        let events = DemoEvents.samples(topic: topic)
        let demo = DemoService(producer: producer, consumer: consumer, events: events)
        // The demo runs the consumer inside itself, so that on shutdown the consumer drains into the demo's loop
        // before the demo returns; the producer, started first, stops last.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: producer),
                    .init(service: demo, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()

        let admin = try await KafkaAdmin(configuration: client, logger: logger)
        let committed = try await admin.listConsumerGroupOffsets(group: groupID)
        let position = committed.filter { $0.offset >= 0 }.map { "\($0.topicPartition)→\($0.offset)" }
        print("Committed offsets of group \(groupID): \(position.joined(separator: " "))")
        let summary = demo.summary
        print("Demo finished: \(summary.produced) events produced, \(summary.consumed) consumed and committed.")
        if summary.consumed < summary.produced { throw ExitCode.failure }
        _ = embeddedBroker
    }
}

/// Sends the sample events, then reads them back and ends the service group once all have arrived.
final class DemoService: Service, Sendable {
    let producer: KafkaProducer
    let consumer: KafkaConsumer
    let events: [KafkaProducerMessage]
    private let counts = Mutex((produced: 0, consumed: 0))

    init(producer: KafkaProducer, consumer: KafkaConsumer, events: [KafkaProducerMessage]) {
        self.producer = producer
        self.consumer = consumer
        self.events = events
    }

    var summary: (produced: Int, consumed: Int) { counts.withLock { $0 } }

    func run() async throws {
        let reports = try await producer.send(events)
        counts.withLock { $0.produced = reports.count }
        for (event, report) in zip(events, reports) {
            print("produced  \(DemoEvents.describe(event.headers)) key=\(String(decoding: event.key ?? [], as: UTF8.self)) → \(report)")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.consumer.run() }
            try await consume(expecting: events.count)
            try await group.waitForAll()
        }
    }

    /// Prints what arrives until every sample was seen, then shuts the consumer down and lets it drain.
    private func consume(expecting count: Int) async throws {
        var remaining = count
        for try await event in consumer.events {
            switch event {
            case .messages(let messages):
                for message in messages {
                    print("consumed  \(DemoEvents.describe(message.headers)) key=\(String(decoding: message.key ?? [], as: UTF8.self)) ← \(message.coordinates)")
                }
                consumer.storeOffsets(for: messages)
                counts.withLock { $0.consumed += messages.count }
                remaining -= messages.count
                if remaining <= 0 { consumer.triggerGracefulShutdown() }
            case .partitionsAssigned(let partitions):
                print("assigned  \(partitions.map(\.description).joined(separator: " "))")
            case .partitionsRevoked(let partitions), .partitionsLost(let partitions):
                print("revoked   \(partitions.map(\.description).joined(separator: " "))")
            }
        }
    }
}
