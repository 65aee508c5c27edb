import FlywheelKafka
import FlywheelTestSupport
import Testing

/// Fault injection through librdkafka's in-process mock cluster.
@Suite("Embedded broker faults")
struct EmbeddedBrokerFaultTests {
    let logger = testLogger()

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
        let messages = try await readAll(broker, topic: topic, logger: logger, expecting: 2)
        #expect(messages.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["only-once", "marker"])
        try await producer.shutdown()
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
