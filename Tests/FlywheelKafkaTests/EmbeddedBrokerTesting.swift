import FlywheelKafka
import FlywheelTestSupport
import Logging

/// A producer configuration for fault tests: short backoffs and request timeout, so recoveries show quickly.
func producerConfiguration(_ broker: KafkaEmbeddedBroker, startupTimeout: Duration = .seconds(10)) -> KafkaProducerConfiguration {
    var client = broker.clientConfiguration
    client.connection.startupTimeout = startupTimeout
    client.connection.reconnectBackoff = .milliseconds(50)
    client.connection.reconnectBackoffMax = .milliseconds(500)
    // A request lost with a downed broker is retried after this, not after the 30 s default.
    client.connection.requestTimeout = .seconds(5)
    return KafkaProducerConfiguration(client: client)
}

/// Everything on `topic`, read by a new group until at least `count` messages arrived, then drained and stopped.
func readAll(_ broker: KafkaEmbeddedBroker, topic: String, logger: Logger, expecting count: Int) async throws -> [KafkaConsumerMessage] {
    let consumer = try await KafkaConsumer(
        configuration: KafkaConsumerConfiguration(
            client: broker.clientConfiguration, groupID: uniqueName("reader"), topics: [topic], sessionTimeout: .seconds(6)),
        logger: logger)
    let harness = ConsumerHarness(consumer: consumer)
    try await harness.wait(for: "\(count) messages on \(topic)") { $0.messages.count >= count }
    // A duplicate would arrive in the same fetch; stopping drains what was fetched.
    try await harness.stop()
    return harness.messages
}
