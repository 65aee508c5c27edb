import FlywheelKafka
import FlywheelTestSupport

/// What every integration test needs: its own broker, admin, topic and group names.
struct TansuContext {
    let broker: TansuBroker
    let admin: KafkaAdmin
    let logger = testLogger()

    static func start() async throws -> TansuContext {
        let broker = try await TansuBroker()
        let admin = try await KafkaAdmin(configuration: broker.clientConfiguration, logger: testLogger())
        return TansuContext(broker: broker, admin: admin)
    }

    func createTopic(_ prefix: String, partitions: Int = 4) async throws -> String {
        let name = uniqueName(prefix)
        try await admin.createTopic(KafkaTopicSpecification(name: name, partitions: partitions))
        return name
    }

    func producer() async throws -> KafkaProducer {
        try await KafkaProducer(configuration: KafkaProducerConfiguration(client: broker.clientConfiguration), logger: logger)
    }

    func consumer(
        group: String, topics: [String], isolation: KafkaConsumerConfiguration.IsolationLevel = .readCommitted,
        storeOffsets: Bool = true
    ) async throws -> ConsumerHarness
    {
        let consumer = try await KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: broker.clientConfiguration, groupID: group, topics: topics, isolationLevel: isolation,
                commitInterval: .milliseconds(500), sessionTimeout: .seconds(6)),
            logger: logger)
        return ConsumerHarness(consumer: consumer, storeOffsets: storeOffsets)
    }
}

extension KafkaConsumerMessage {
    var text: String { String(decoding: value ?? [], as: UTF8.self) }
}
