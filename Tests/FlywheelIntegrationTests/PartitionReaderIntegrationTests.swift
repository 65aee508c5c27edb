import FlywheelKafka
import FlywheelTestSupport
import Testing

@Suite("Partition reader against Tansu", .timeLimit(.minutes(2)))
struct PartitionReaderIntegrationTests {
    func reader(_ context: TansuContext, isolation: KafkaConsumerConfiguration.IsolationLevel = .readCommitted)
        async throws -> KafkaPartitionReader
    {
        try await KafkaPartitionReader(
            configuration: KafkaPartitionReaderConfiguration(client: context.broker.clientConfiguration, isolationLevel: isolation),
            logger: context.logger)
    }

    func transactionalProducer(_ context: TansuContext) async throws -> KafkaTransactionalProducer {
        try await KafkaTransactionalProducer(
            configuration: KafkaTransactionalProducerConfiguration(
                producer: KafkaProducerConfiguration(client: context.broker.clientConfiguration),
                transactionalID: uniqueName("changelog-txn")),
            logger: context.logger)
    }

    func messages(_ topic: String, partition: Int32, _ values: [String]) -> [KafkaProducerMessage] {
        values.map { KafkaProducerMessage(topic: topic, partition: partition, key: Array("key".utf8), value: Array($0.utf8)) }
    }

    @Test("a compacted changelog partition reads in order from the beginning or an offset; other partitions stay out")
    func readsChangelogPartition() async throws {
        let context = try await TansuContext.start()
        let topic = uniqueName("changelog")
        try await context.admin.createTopic(
            KafkaTopicSpecification(name: topic, partitions: 3, configs: ["cleanup.policy": "compact"]))
        let producer = try await context.producer()
        let values = (0..<200).map { "state-\($0)" }
        try await producer.send(messages(topic, partition: 1, values))
        try await producer.send(messages(topic, partition: 2, ["elsewhere"]))
        let reader = try await reader(context)

        let all = try await reader.readToEnd(topic: topic, partition: 1)
        #expect(all.map(\.text) == values)
        #expect(all.map(\.offset) == Array(0..<200))
        #expect(all.allSatisfy { $0.partition == 1 })
        let tail = try await reader.readToEnd(topic: topic, partition: 1, from: 190)
        #expect(tail.map(\.text) == Array(values[190...]))
        #expect(try await reader.readToEnd(topic: topic, partition: 0).isEmpty)
        #expect(try await reader.readToEnd(topic: topic, partition: 2).map(\.text) == ["elsewhere"])
        let watermarks = try await reader.watermarks(topic: topic, partition: 1)
        #expect(watermarks.low == 0)
        // Which is why readToEnd takes the end from fetch responses (which Tansu gets right), not from ListOffsets.
        withKnownIssue("Tansu 0.6.0 answers ListOffsets(latest) with the base offset of the last batch plus one") {
            #expect(watermarks.high == 200)
        }
        await reader.close()
        try await producer.shutdown()
    }

    @Test("read_committed: a committed transaction's messages are returned; an open one's, and all after it, are not")
    func transactions() async throws {
        let context = try await TansuContext.start()
        let topic = try await context.createTopic("changelog-txn", partitions: 1)
        let plain = try await context.producer()
        let transactional = try await transactionalProducer(context)

        try await plain.send(messages(topic, partition: 0, ["plain-0"]))
        _ = try await transactional.withTransaction { producer in
            try await producer.send(messages(topic, partition: 0, ["committed-0", "committed-1"]))
        }
        try transactional.beginTransaction()
        try await transactional.send(messages(topic, partition: 0, ["pending"]))
        try await plain.send(messages(topic, partition: 0, ["after-pending"]))

        let committedReader = try await reader(context)
        let committed = try await committedReader.readToEnd(topic: topic, partition: 0, timeout: .seconds(20))
        #expect(committed.map(\.text) == ["plain-0", "committed-0", "committed-1"])
        let uncommittedReader = try await reader(context, isolation: .readUncommitted)
        let uncommitted = try await uncommittedReader.readToEnd(topic: topic, partition: 0, timeout: .seconds(20))
        #expect(uncommitted.map(\.text) == ["plain-0", "committed-0", "committed-1", "pending", "after-pending"])

        try await transactional.commitTransaction()
        let afterCommit = try await committedReader.readToEnd(topic: topic, partition: 0, timeout: .seconds(20))
        #expect(afterCommit.map(\.text) == ["plain-0", "committed-0", "committed-1", "pending", "after-pending"])
        // Read again: the partition now ends with a commit marker, which only the end-of-partition notice reveals.
        #expect(try await committedReader.readToEnd(topic: topic, partition: 0, timeout: .seconds(20)) == afterCommit)

        try transactional.beginTransaction()
        try await transactional.send(messages(topic, partition: 0, ["aborted"]))
        try await transactional.abortTransaction()
        try await plain.send(messages(topic, partition: 0, ["last"]))
        let afterAbort = try await committedReader.readToEnd(topic: topic, partition: 0, from: afterCommit.last!.offset + 1)
        #expect(afterAbort.map(\.text).filter { $0 != "aborted" } == ["last"])
        // Hiding aborted records needs the broker to list aborted transactions in fetch responses; Tansu 0.6.0
        // sends an empty list (see TransactionIntegrationTests), so only a real Kafka broker passes this.
        withKnownIssue("Tansu 0.6.0 returns no AbortedTransactions in Fetch responses") {
            #expect(!afterAbort.map(\.text).contains("aborted"))
        }
        await committedReader.close()
        await uncommittedReader.close()
        try await plain.shutdown()
    }

    @Test("a missing topic fails with an error naming it instead of waiting")
    func missingTopic() async throws {
        let context = try await TansuContext.start()
        let reader = try await reader(context)
        let missing = uniqueName("changelog-missing")
        let started = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            _ = try await reader.readToEnd(topic: missing, partition: 0, timeout: .seconds(10))
        }
        #expect(error?.code == .unknownTopic)
        #expect(error?.reason.contains(missing) == true)
        #expect(ContinuousClock.now - started < .seconds(10))
        await reader.close()
    }
}
