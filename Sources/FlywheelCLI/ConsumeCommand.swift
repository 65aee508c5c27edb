import ArgumentParser
import FlywheelKafka
import Foundation
import Logging
import ServiceLifecycle

/// Prints the messages of topics as JSON lines, as a member of a consumer group, until SIGTERM or SIGINT.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print messages of Kafka topics as JSON lines, committing offsets as a consumer-group member.",
        discussion: """
            Runs until SIGTERM or SIGINT (or --max-messages), then stops fetching, prints what was fetched, \
            commits and leaves the group.
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @OptionGroup var consumerGroup: ConsumerGroupOptions

    func run() async throws {
        FlywheelLogging.bootstrap(level: connection.logLevel)
        let logger = Logger(label: "flywheel.consume")
        let consumer = try await KafkaConsumer(
            configuration: consumerGroup.consumerConfiguration(client: try connection.clientConfiguration(clientID: "flywheel-consume")),
            logger: logger)
        let printer = MessagePrinter(consumer: consumer, maxMessages: consumerGroup.maxMessages)
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: printer, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await serviceGroup.run()
    }
}

/// Runs a consumer inside itself and prints what it hands out, storing offsets once a line is written.
struct MessagePrinter: Service {
    let consumer: KafkaConsumer
    let maxMessages: Int?

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            var printed = 0
            for try await event in consumer.events {
                guard case .messages(let messages) = event else { continue }
                // One write per batch, unbuffered, so a line is out before its offset is stored.
                let lines = messages.map { MessagePrinter.json($0) + "\n" }.joined()
                FileHandle.standardOutput.write(Data(lines.utf8))
                consumer.storeOffsets(for: messages)
                printed += messages.count
                if let maxMessages, printed >= maxMessages { consumer.triggerGracefulShutdown() }
            }
            try await group.waitForAll()
        }
    }

    static func json(_ message: KafkaConsumerMessage) -> String {
        struct Line: Encodable {
            var topic: String
            var partition: Int32
            var offset: Int64
            var timestamp: Int64?
            var key: String?
            var value: String?
            var headers: [String: String]
        }
        let text: ([UInt8]?) -> String? = { $0.map { String(decoding: $0, as: UTF8.self) } }
        let line = Line(
            topic: message.topic, partition: message.partition, offset: message.offset,
            timestamp: message.timestampMilliseconds, key: text(message.key), value: text(message.value),
            headers: Dictionary(message.headers.map { ($0.key, $0.stringValue ?? "") }, uniquingKeysWith: { $1 }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(line), as: UTF8.self)) ?? "{}"
    }
}
