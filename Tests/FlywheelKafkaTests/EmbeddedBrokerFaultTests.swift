import FlywheelKafka
import FlywheelTestSupport
import Testing

/// Fault injection through librdkafka's in-process mock cluster.
@Suite("Embedded broker faults")
struct EmbeddedBrokerFaultTests {
    let logger = testLogger()

    func producerConfiguration(_ broker: KafkaEmbeddedBroker, startupTimeout: Duration = .seconds(10)) -> KafkaProducerConfiguration {
        var client = broker.clientConfiguration
        client.connection.startupTimeout = startupTimeout
        client.connection.reconnectBackoff = .milliseconds(50)
        client.connection.reconnectBackoffMax = .milliseconds(500)
        // A request lost with a downed broker is retried after this, not after the 30 s default.
        client.connection.requestTimeout = .seconds(5)
        return KafkaProducerConfiguration(client: client)
    }

    func readAll(_ broker: KafkaEmbeddedBroker, topic: String, expecting count: Int) async throws -> [KafkaConsumerMessage] {
        let consumer = try await KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: broker.clientConfiguration, groupID: uniqueName("reader"), topics: [topic],
                sessionTimeout: .seconds(6)),
            logger: logger)
        let harness = ConsumerHarness(consumer: consumer)
        try await harness.wait(for: "\(count) messages on \(topic)") { $0.messages.count >= count }
        // Anything more (a duplicate) would arrive in the same fetch; give the consumer one more drain.
        try await harness.stop()
        return harness.messages
    }

    @Test("produce requests failing with retriable errors are retried and the message lands exactly once")
    func injectedProduceErrorsAreRetried() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("faults")
        try broker.createTopic(topic, partitions: 1)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        broker.pushRequestErrors(
            .produce, [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas, .notEnoughReplicasAfterAppend])

        let report = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "only-once"))
        #expect(report.topic == topic)
        #expect(report.offset == 0)

        try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "marker"))
        let messages = try await readAll(broker, topic: topic, expecting: 2)
        #expect(messages.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["only-once", "marker"])
        try await producer.shutdown()
    }

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

    @Test("nothing listening at the address: a clear connection error, not a crash")
    func nothingListening() async throws {
        let port = try FreePort.pick()
        var client = KafkaClientConfiguration(bootstrapServers: ["127.0.0.1:\(port)"])
        client.connection.startupTimeout = .milliseconds(800)
        let error = await #expect(throws: KafkaError.self) {
            _ = try await KafkaConsumer(
                configuration: KafkaConsumerConfiguration(client: client, groupID: "g", topics: ["t"]), logger: logger)
        }
        #expect(error?.code == .connection)
        #expect(error?.reason.contains("127.0.0.1:\(port)") == true)
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
        let messages = try await readAll(broker, topic: topic, expecting: 51)
        #expect(messages.count == 51)
        #expect(Set(messages.compactMap { $0.value }).count == 51)
        try await producer.shutdown()
    }

    @Test("a tiny hand-over buffer applies back-pressure without losing or reordering messages")
    func backPressure() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("pressure")
        try broker.createTopic(topic, partitions: 2)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        let sent = (0..<2000).map { KafkaProducerMessage(topic: topic, key: "key-\($0 % 7)", value: "v\($0)") }
        try await producer.send(sent)

        let consumer = try await KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: broker.clientConfiguration, groupID: uniqueName("slow"), topics: [topic],
                sessionTimeout: .seconds(6), maxBatchSize: 7, bufferCapacity: 10),
            logger: logger)
        let harness = ConsumerHarness(consumer: consumer)
        try await harness.wait(for: "2000 messages") { $0.messages.count >= 2000 }
        try await harness.stop()
        let received = harness.messages
        #expect(received.count == 2000)
        for partition in Set(received.map(\.partition)) {
            let offsets = received.filter { $0.partition == partition }.map(\.offset)
            #expect(offsets == Array(0..<Int64(offsets.count)))
        }
        // Per key, the order of sending is kept.
        for key in 0..<7 {
            let values = received.filter { $0.key == Array("key-\(key)".utf8) }.map { String(decoding: $0.value!, as: UTF8.self) }
            let expected = sent.filter { $0.key == Array("key-\(key)".utf8) }.map { String(decoding: $0.value!, as: UTF8.self) }
            #expect(values == expected)
        }
        try await producer.shutdown()
    }
}

@Suite("Shutdown with work in flight")
struct ShutdownFaultTests {
    let logger = testLogger()

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

    @Test("a consumer released without ever running closes promptly")
    func unusedConsumerReleasesPromptly() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("unused")
        try broker.createTopic(topic, partitions: 2)
        let client = broker.clientConfiguration
        let logger = self.logger
        try await withTimeout(.seconds(20), "releasing an unused consumer") {
            var consumer: KafkaConsumer? = try await KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    client: client, groupID: uniqueName("unused"), topics: [topic], sessionTimeout: .seconds(6),
                    maxPollInterval: .seconds(120), revocationTimeout: .seconds(100)),
                logger: logger)
            _ = try consumer?.assignment()
            consumer = nil
        }
    }
}
