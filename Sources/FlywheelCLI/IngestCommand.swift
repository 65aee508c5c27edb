import ArgumentParser
import FlywheelEvents
import FlywheelKafka
import FlywheelPipeline
import Foundation
import Logging
import ServiceLifecycle

/// Reads input topics as a consumer-group member, validates and normalises every record, dead-letters what cannot
/// be processed, and prints the events as structured CloudEvents, one JSON object a line.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Validate and normalise input topics to CloudEvents; dead-letter what cannot be processed.",
        discussion: """
            Prints each event as a structured CloudEvent on a line (the format `flywheel replay` reads). Records \
            that fail go to --dead-letter-topic unchanged, with flywheel_dlq_* headers. Offsets are committed only \
            after a batch's dead letters are acknowledged. Runs until SIGTERM or SIGINT (or --max-messages).
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var consumerGroup: ConsumerGroupOptions

    @Option(help: "Where records that cannot be processed go.")
    var deadLetterTopic = "flywheel.deadletter"

    @Option(help: "The directory of versioned event schemas.")
    var schemas = "topics/schemas"

    @Option(help: "The largest record value accepted, in bytes.")
    var maxRecordBytes = 800_000

    func validate() throws {
        guard (1...IntakeStage.maxDeadLetterValueBytes).contains(maxRecordBytes) else {
            throw ValidationError("--max-record-bytes must be from 1 to \(IntakeStage.maxDeadLetterValueBytes)")
        }
    }

    func run() async throws {
        FlywheelLogging.bootstrap(level: connection.logLevel)
        let logger = Logger(label: "flywheel.ingest")
        let registry: EventSchemas
        do {
            registry = try EventSchemas(directory: schemas)
        } catch {
            throw ValidationError("--schemas: \(error)")
        }
        let client = try connection.clientConfiguration(clientID: "flywheel-ingest")
        let producer = try await KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: logger)
        let consumer = try await KafkaConsumer(
            configuration: consumerGroup.consumerConfiguration(client: client),
            logger: logger)
        let stage = IntakeStage(
            intake: EventIntake(codec: CloudEventKafkaCodec(limits: JSONLimits(maxBytes: maxRecordBytes)), schemas: registry),
            deadLetterTopic: deadLetterTopic, producer: producer, logger: logger)
        let ingest = IngestService(consumer: consumer, stage: stage, maxMessages: consumerGroup.maxMessages)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: producer), .init(service: ingest, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

/// Runs the consumer inside itself and passes every batch through the intake stage.
struct IngestService: Service {
    let consumer: KafkaConsumer
    let stage: IntakeStage
    let maxMessages: Int?

    func run() async throws {
        let codec = CloudEventKafkaCodec()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            var seen = 0
            for try await event in consumer.events {
                guard case .messages(let messages) = event else { continue }
                let events = try await stage.process(messages)
                let lines = events.map { event in
                    String(decoding: codec.encode(event.event, key: event.key, mode: .structured).value ?? [], as: UTF8.self) + "\n"
                }.joined()
                FileHandle.standardOutput.write(Data(lines.utf8))
                consumer.storeOffsets(for: messages)
                seen += messages.count
                if let maxMessages, seen >= maxMessages { consumer.triggerGracefulShutdown() }
            }
            try await group.waitForAll()
        }
    }
}
