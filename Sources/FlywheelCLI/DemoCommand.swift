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
        // Every client is gone when this returns, before the embedded broker stops.
        try await runDemo(client: client, logger: logger)
        withExtendedLifetime(embeddedBroker) {}
    }

    private func runDemo(client: KafkaClientConfiguration, logger: Logger) async throws {
        let groupID = "flywheel-demo-\(UInt32.random(in: 0...UInt32.max))"
        let producer = try await KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let consumer = try await KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: client, groupID: groupID, topics: [topic], sessionTimeout: .seconds(6)),
            logger: logger)

        let demo = DemoService(producer: producer, consumer: consumer, events: DemoEvents.samples(topic: topic))
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

        // Check with the cluster that the group committed past every event the demo produced.
        let produced = demo.reports
        let highest = Dictionary(produced.map { (KafkaTopicPartition(topic: $0.topic, partition: $0.partition), $0.offset) }, uniquingKeysWith: max)
        let admin = try await KafkaAdmin(configuration: client, logger: logger)
        let committed = try await admin.listConsumerGroupOffsets(group: groupID, partitions: highest.keys.sorted())
        print("Committed offsets of group \(groupID): \(committed.map { "\($0.topicPartition)→\($0.offset)" }.joined(separator: " "))")
        let uncommitted = committed.filter { $0.offset <= highest[$0.topicPartition] ?? -1 }
        let seen = demo.seen
        print("Demo finished: \(produced.count) events produced, \(seen) of them consumed, offsets committed past all of them: \(uncommitted.isEmpty ? "yes" : "no")")
        if seen < produced.count || !uncommitted.isEmpty { throw ExitCode.failure }
    }
}

/// Sends the sample events, then reads them back and ends the service group once all of them have arrived.
final class DemoService: Service, Sendable {
    let producer: KafkaProducer
    let consumer: KafkaConsumer
    let events: [KafkaProducerMessage]
    private let state = Mutex((reports: [KafkaDeliveryReport](), seen: 0))

    init(producer: KafkaProducer, consumer: KafkaConsumer, events: [KafkaProducerMessage]) {
        self.producer = producer
        self.consumer = consumer
        self.events = events
    }

    var reports: [KafkaDeliveryReport] { state.withLock { $0.reports } }
    var seen: Int { state.withLock { $0.seen } }

    func run() async throws {
        let reports = try await producer.send(events)
        state.withLock { $0.reports = reports }
        for (event, report) in zip(events, reports) {
            print("produced  \(DemoEvents.describe(event.headers)) key=\(String(decoding: event.key ?? [], as: UTF8.self)) → \(report)")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.consumer.run() }
            try await consume(expecting: Set(events.compactMap { DemoEvents.id(of: $0.headers) }))
            try await group.waitForAll()
        }
    }

    /// Prints the demo's events as they arrive (a shared topic may hold older ones), then shuts the consumer down
    /// and lets it drain.
    private func consume(expecting ids: Set<String>) async throws {
        var remaining = ids
        for try await event in consumer.events {
            switch event {
            case .messages(let messages):
                for message in messages {
                    guard let id = DemoEvents.id(of: message.headers), remaining.remove(id) != nil else { continue }
                    print("consumed  \(DemoEvents.describe(message.headers)) key=\(String(decoding: message.key ?? [], as: UTF8.self)) ← \(message.coordinates)")
                    state.withLock { $0.seen += 1 }
                }
                consumer.storeOffsets(for: messages)
                if remaining.isEmpty { consumer.triggerGracefulShutdown() }
            case .partitionsAssigned(let partitions):
                print("assigned  \(partitions.map(\.description).joined(separator: " "))")
            case .partitionsRevoked(let partitions), .partitionsLost(let partitions):
                print("revoked   \(partitions.map(\.description).joined(separator: " "))")
            }
        }
    }
}
