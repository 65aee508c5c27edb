import FlywheelKafka
import FlywheelTestSupport
import Synchronization
import Testing

/// Reading changelog partitions to their end, against librdkafka's in-process mock cluster.
@Suite("Partition reader (embedded broker)", .timeLimit(.minutes(2)))
struct KafkaPartitionReaderTests {
    let logger = testLogger()

    func reader(_ broker: KafkaEmbeddedBroker) async throws -> KafkaPartitionReader {
        var client = broker.clientConfiguration
        client.connection.startupTimeout = .seconds(10)
        return try await KafkaPartitionReader(configuration: KafkaPartitionReaderConfiguration(client: client), logger: logger)
    }

    /// Sends `values` to one partition, in order.
    func send(_ producer: KafkaProducer, _ topic: String, partition: Int32, _ values: [String]) async throws {
        try await producer.send(
            values.map { KafkaProducerMessage(topic: topic, partition: partition, key: Array("k-\($0)".utf8), value: Array($0.utf8)) })
    }

    @Test("an empty partition reads as no messages, at once")
    func emptyPartition() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("changelog-empty")
        try broker.createTopic(topic, partitions: 2)
        let reader = try await reader(broker)

        let started = ContinuousClock.now
        let messages = try await reader.readToEnd(topic: topic, partition: 1, timeout: .seconds(20))
        #expect(messages.isEmpty)
        #expect(ContinuousClock.now - started < .seconds(10))
        let watermarks = try await reader.watermarks(topic: topic, partition: 1)
        #expect(watermarks.low == 0 && watermarks.high == 0)
        await reader.close()
    }

    @Test("a partition read in batches as they come: in order, each message once; an error of the receiver ends the read")
    func readsInBatches() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("changelog-batches")
        try broker.createTopic(topic, partitions: 1)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        let values = (0..<5000).map { "state-\($0)" }
        try await send(producer, topic, partition: 0, values)
        let reader = try await reader(broker)

        let batches = Mutex<[[String]]>([])
        let count = try await reader.read(topic: topic, partition: 0) { batch in batches.withLock { $0.append(batch.map(\.text)) } }
        let received = batches.withLock { $0 }
        #expect(count == values.count)
        #expect(received.joined().elementsEqual(values))
        #expect(received.count > 1, "a partition this size comes in more than one batch")

        struct Refused: Error {}
        let delivered = Mutex(0)
        await #expect(throws: Refused.self) {
            _ = try await reader.read(topic: topic, partition: 0) { batch in
                delivered.withLock { $0 += 1 }
                throw Refused()
            }
        }
        #expect(delivered.withLock { $0 } == 1, "nothing is delivered after the receiver's error")
        // The reader reads on afterwards.
        #expect(try await reader.readToEnd(topic: topic, partition: 0, from: 4998).map(\.text) == ["state-4998", "state-4999"])
        try await producer.shutdown()
        await reader.close()
    }

    @Test("every message of the partition, in offset order, with key, value and headers; none of another partition")
    func readsOnePartition() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("changelog")
        try broker.createTopic(topic, partitions: 3)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        let values = (0..<1500).map { "state-\($0)" }
        try await send(producer, topic, partition: 2, values)
        try await send(producer, topic, partition: 0, ["other-0", "other-1"])
        try await producer.send(
            KafkaProducerMessage(topic: topic, partition: 2, key: Array("h".utf8), value: Array("with-header".utf8),
                headers: [KafkaHeader(key: "kind", value: Array("snapshot".utf8))]))
        let reader = try await reader(broker)

        let messages = try await reader.readToEnd(topic: topic, partition: 2)
        #expect(messages.map(\.text) == values + ["with-header"])
        #expect(messages.map(\.offset) == Array(0..<1501))
        #expect(messages.allSatisfy { $0.topic == topic && $0.partition == 2 })
        #expect(messages.first?.key == Array("k-state-0".utf8))
        #expect(messages.last?.headers == [KafkaHeader(key: "kind", value: Array("snapshot".utf8))])
        let watermarks = try await reader.watermarks(topic: topic, partition: 2)
        #expect(watermarks.low == 0 && watermarks.high == 1501)
        await reader.close()
        try await producer.shutdown()
    }

    @Test("each message's headers as sent, where consecutive messages repeat, or nearly repeat, the ones before")
    func repeatedHeaders() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("headers")
        try broker.createTopic(topic, partitions: 1)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        // The reader shares the array of equal headers between consecutive messages: a name or value that differs
        // by a byte, a prefix, a null or a count must still come through as sent.
        let json = KafkaHeader(key: "content-type", string: "application/json")
        let headers: [[KafkaHeader]] = [
            [json], [json], [KafkaHeader(key: "content-type", string: "application/jsoN")], [json],
            [KafkaHeader(key: "content-typ", string: "application/json")], [KafkaHeader(key: "content-type-", string: "application/json")],
            [json, KafkaHeader(key: "traceparent", value: nil)], [json, KafkaHeader(key: "traceparent", value: nil)], [],
            [KafkaHeader(key: "content-type", value: [])], [KafkaHeader(key: "content-type", value: nil)],
            [KafkaHeader(key: "content-type", value: nil)], [json],
        ]
        try await producer.send(headers.enumerated().map { index, headers in
            KafkaProducerMessage(topic: topic, partition: 0, key: nil, value: Array("m\(index)".utf8), headers: headers)
        })
        let reader = try await reader(broker)

        let messages = try await reader.readToEnd(topic: topic, partition: 0)
        #expect(messages.map(\.headers) == headers)
        await reader.close()
        try await producer.shutdown()
    }

    @Test("from an offset: that message and the ones after it; at the end: nothing; past it: an error")
    func fromOffset() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("changelog-from")
        try broker.createTopic(topic, partitions: 1)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        try await send(producer, topic, partition: 0, (0..<10).map { "v\($0)" })
        let reader = try await reader(broker)

        #expect(try await reader.readToEnd(topic: topic, partition: 0, from: 7).map(\.text) == ["v7", "v8", "v9"])
        #expect(try await reader.readToEnd(topic: topic, partition: 0, from: 9).map(\.offset) == [9])
        #expect(try await reader.readToEnd(topic: topic, partition: 0, from: 10).isEmpty)
        let pastEnd = await #expect(throws: KafkaError.self) {
            _ = try await reader.readToEnd(topic: topic, partition: 0, from: 42, timeout: .seconds(10))
        }
        #expect(pastEnd?.reason.contains("reading \(topic)/0 from offset 42: offset 42 is outside the partition's log") == true)
        #expect(try await reader.readToEnd(topic: topic, partition: 0, from: 8).map(\.text) == ["v8", "v9"])
        await reader.close()
        try await producer.shutdown()
    }

    @Test("consecutive reads on one reader: other partitions, then the same one again after it grew")
    func consecutiveReads() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("changelog-seq")
        try broker.createTopic(topic, partitions: 4)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        for partition in Int32(0)..<4 {
            try await send(producer, topic, partition: partition, (0..<(5 * Int(partition))).map { "p\(partition)-\($0)" })
        }
        let reader = try await reader(broker)

        for partition in Int32(0)..<4 {
            let messages = try await reader.readToEnd(topic: topic, partition: partition)
            #expect(messages.map(\.text) == (0..<(5 * Int(partition))).map { "p\(partition)-\($0)" }, "partition \(partition)")
        }
        try await send(producer, topic, partition: 3, ["p3-late"])
        let again = try await reader.readToEnd(topic: topic, partition: 3)
        #expect(again.count == 16)
        #expect(again.last?.text == "p3-late")
        await reader.close()
        try await producer.shutdown()
    }

    @Test("a missing topic or partition fails with an error naming it, well within the timeout")
    func missingTopic() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("changelog-present")
        try broker.createTopic(topic, partitions: 2)
        let reader = try await reader(broker)
        let missing = uniqueName("changelog-missing")

        let started = ContinuousClock.now
        let topicError = await #expect(throws: KafkaError.self) {
            _ = try await reader.readToEnd(topic: missing, partition: 0, timeout: .seconds(30))
        }
        #expect(topicError?.code == .unknownTopic)
        #expect(topicError?.reason.contains(missing) == true)

        let partitionError = await #expect(throws: KafkaError.self) {
            _ = try await reader.readToEnd(topic: topic, partition: 2, timeout: .seconds(30))
        }
        #expect(partitionError?.code == .unknownTopic)
        #expect(partitionError?.reason.contains("partition 2 of topic \(topic)") == true)

        let watermarkError = await #expect(throws: KafkaError.self) {
            _ = try await reader.watermarks(topic: missing, partition: 0)
        }
        #expect(watermarkError?.reason.contains(missing) == true)
        #expect(ContinuousClock.now - started < .seconds(15))
        // The topic was not created by asking for it.
        await #expect(throws: KafkaError.self) { _ = try await reader.readToEnd(topic: missing, partition: 0) }
        await reader.close()
    }

    @Test("a read that makes no progress fails at its timeout, or at once when its task is cancelled or the reader closed")
    func stuckRead() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("changelog-stuck")
        try broker.createTopic(topic, partitions: 1)
        let producer = try await KafkaProducer(configuration: producerConfiguration(broker), logger: logger)
        try await send(producer, topic, partition: 0, ["v0", "v1"])
        let reader = try await reader(broker)
        // Every fetch fails; librdkafka retries them for ever. (A failed fetch at the end still reports the end.)
        broker.pushRequestErrors(.fetch, Array(repeating: .notLeaderForPartition, count: 10_000))

        let started = ContinuousClock.now
        let timedOut = await #expect(throws: KafkaError.self) {
            _ = try await reader.readToEnd(topic: topic, partition: 0, timeout: .seconds(2))
        }
        #expect(timedOut?.reason.contains("reading \(topic)/0 from offset 0: no progress towards its end for 2.0 seconds") == true)
        #expect(timedOut?.isRetriable == true)
        // Bounds far from the timeouts, loose enough for a busy machine running other suites.
        #expect(ContinuousClock.now - started < .seconds(15))

        let read = Task { try await reader.readToEnd(topic: topic, partition: 0, timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(300))  // not needed for correctness: lets the read start fetching
        let cancelledAt = ContinuousClock.now
        read.cancel()
        let cancelled = await #expect(throws: KafkaError.self) { _ = try await read.value }
        #expect(cancelled?.code == .shutdown)
        #expect(ContinuousClock.now - cancelledAt < .seconds(15))

        // Closing the reader ends a read in progress too.
        let closedRead = Task { try await reader.readToEnd(topic: topic, partition: 0, timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(300))  // not needed for correctness: lets the read start fetching
        let closedAt = ContinuousClock.now
        await reader.close()
        let closed = await #expect(throws: KafkaError.self) { _ = try await closedRead.value }
        #expect(closed?.code == .shutdown)
        #expect(ContinuousClock.now - closedAt < .seconds(15))
        try await producer.shutdown()
    }

    @Test("a closed reader refuses to read; a reader released without closing goes away promptly")
    func closing() async throws {
        let broker = try KafkaEmbeddedBroker(logger: logger)
        let topic = uniqueName("changelog-close")
        try broker.createTopic(topic, partitions: 1)
        let closed = try await reader(broker)
        await closed.close()
        await closed.close()
        let error = await #expect(throws: KafkaError.self) { _ = try await closed.readToEnd(topic: topic, partition: 0) }
        #expect(error?.code == .shutdown)

        let configuration = KafkaPartitionReaderConfiguration(client: broker.clientConfiguration)
        let logger = self.logger
        try await withTimeout(.seconds(20), "releasing a reader that was never closed") {
            var reader: KafkaPartitionReader? = try await KafkaPartitionReader(configuration: configuration, logger: logger)
            _ = try await reader?.readToEnd(topic: topic, partition: 0)
            reader = nil
        }
    }
}

extension KafkaConsumerMessage {
    fileprivate var text: String { String(decoding: value ?? [], as: UTF8.self) }
}
