import FlywheelKafka
import FlywheelTestSupport
import Testing

/// Broker outages on the embedded cluster. Taking a mock broker down closes and re-binds its listening port, which
/// races with any other process binding ports at that moment; scripts/test therefore runs this suite on its own,
/// before the rest, and its tests one at a time.
@Suite("Embedded broker down and up", .serialized)
struct BrokerDownFaultTests {
    let logger = testLogger()

    @Test("a broker that stays down at start gives a connection error naming the servers and the setting")
    func brokerDownAtStart() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        try broker.setBrokerDown(1)
        let error = await #expect(throws: KafkaError.self) {
            _ = try await KafkaProducer(configuration: producerConfiguration(broker, startupTimeout: .seconds(1)), logger: logger)
        }
        #expect(error?.code == .connection)
        #expect(error?.isRetriable == true)
        #expect(error?.reason.contains(broker.bootstrapServers) == true)
        #expect(error?.reason.contains("connection.startupTimeout") == true)
    }

    @Test("a client started while the broker is down retries with backoff and connects when it comes back")
    func retriesUntilBrokerReturns() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("comeback")
        try broker.createTopic(topic, partitions: 1)
        try broker.setBrokerDown(1)
        let configuration = producerConfiguration(broker, startupTimeout: .seconds(20))
        let logger = self.logger
        let connecting = Task { try await KafkaProducer(configuration: configuration, logger: logger) }
        try await Task.sleep(for: .milliseconds(700))
        try broker.setBrokerUp(1)
        let producer = try await withTimeout(.seconds(20), "producer connects after broker returns") {
            try await connecting.value
        }
        let report = try await producer.send(KafkaProducerMessage(topic: topic, key: nil, value: "after outage"))
        #expect(report.offset == 0)
        try await producer.shutdown()
    }

    @Test("messages sent while the broker is briefly down are delivered once it is back")
    func sendDuringOutage() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("outage")
        try broker.createTopic(topic, partitions: 1)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        try await producer.send(KafkaProducerMessage(topic: topic, key: nil, value: "before"))
        try broker.setBrokerDown(1)
        let sending = Task {
            try await producer.send((0..<50).map { KafkaProducerMessage(topic: topic, key: nil, value: "during-\($0)") })
        }
        try await Task.sleep(for: .milliseconds(500))
        try broker.setBrokerUp(1)
        let reports = try await withTimeout(.seconds(60), "delivery after outage") { try await sending.value }
        #expect(reports.count == 50)
        let messages = try await readAll(broker, topic: topic, logger: logger, expecting: 51)
        #expect(messages.count == 51)
        #expect(Set(messages.compactMap { $0.value }).count == 51)
        try await producer.shutdown()
    }

    @Test("shutting a producer down while the broker is away ends pending sends with an error instead of hanging")
    func producerShutdownPurgesPendingSends() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("purge")
        try broker.createTopic(topic, partitions: 1)
        var configuration = KafkaProducerConfiguration(client: broker.clientConfiguration)
        configuration.flushTimeout = .milliseconds(500)
        let producer = try await KafkaProducer(configuration: configuration, logger: logger)
        try await producer.send(KafkaProducerMessage(topic: topic, key: nil, value: "before"))
        try broker.setBrokerDown(1)
        let pending = Task { try await producer.deliver((0..<20).map { KafkaProducerMessage(topic: topic, key: nil, value: "m\($0)") }) }
        try await Task.sleep(for: .milliseconds(200))
        await #expect(throws: KafkaError.self) { try await producer.shutdown() }
        let results = try await withTimeout(.seconds(20), "pending send returns after shutdown") { try await pending.value }
        #expect(results.count == 20)
        #expect(results.allSatisfy { if case .failure = $0 { true } else { false } })
        let refused = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: topic, key: nil, value: "after"))
        }
        #expect(refused?.code == .shutdown)
    }

}
