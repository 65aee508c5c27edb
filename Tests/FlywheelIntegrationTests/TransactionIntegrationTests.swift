import FlywheelKafka
import FlywheelTestSupport
import Testing

@Suite("Transactions against Tansu", .timeLimit(.minutes(2)))
struct TransactionIntegrationTests {
    func transactionalProducer(_ context: TansuContext) async throws -> KafkaTransactionalProducer {
        try await KafkaTransactionalProducer(
            configuration: KafkaTransactionalProducerConfiguration(
                producer: KafkaProducerConfiguration(client: context.broker.clientConfiguration),
                transactionalID: uniqueName("txn")),
            logger: context.logger)
    }

    @Test("a committed transaction commits its output and its input offsets together; an aborted one neither")
    func commitAndAbort() async throws {
        let context = try await TansuContext.start()
        let input = try await context.createTopic("txn-in", partitions: 1)
        let output = try await context.createTopic("txn-out", partitions: 1)
        let group = uniqueName("transform")

        let plain = try await context.producer()
        try await plain.send((0..<4).map { KafkaProducerMessage(topic: input, key: "k", value: "in-\($0)") })

        // Consume the input and transform it inside transactions; its offsets are committed by the transactions only.
        let source = try await context.consumer(group: group, topics: [input], storeOffsets: false)
        try await source.wait(for: "4 input messages") { $0.messages.count >= 4 }
        let metadata = try source.consumer.groupMetadata()
        let transactional = try await transactionalProducer(context)

        try transactional.beginTransaction()
        try await transactional.send([KafkaProducerMessage(topic: output, key: "k", value: "committed-0")])
        try await transactional.sendOffsets([KafkaTopicPartitionOffset(topic: input, partition: 0, offset: 2)], group: metadata)
        try await transactional.commitTransaction()

        try transactional.beginTransaction()
        try await transactional.send([KafkaProducerMessage(topic: output, key: "k", value: "aborted")])
        try await transactional.sendOffsets([KafkaTopicPartitionOffset(topic: input, partition: 0, offset: 4)], group: metadata)
        try await transactional.abortTransaction()

        let committedResult: String = try await transactional.withTransaction { producer in
            try await producer.send([KafkaProducerMessage(topic: output, key: "k", value: "committed-1")])
            return "done"
        }
        #expect(committedResult == "done")

        // The input offsets of the committed transaction count, those of the aborted one do not.
        let offsets = try await context.admin.listConsumerGroupOffsets(
            group: group, partitions: [KafkaTopicPartition(topic: input, partition: 0)])
        #expect(offsets.map(\.offset) == [2])
        try await source.stop()

        let reader = try await context.consumer(group: uniqueName("reader"), topics: [output], isolation: .readCommitted)
        try await plain.send(KafkaProducerMessage(topic: output, key: "k", value: "marker"))
        try await reader.wait(for: "marker") { $0.messages.contains { $0.text == "marker" } }
        try await reader.stop()
        let seen = reader.messages.map(\.text)
        #expect(seen.filter { $0 != "aborted" } == ["committed-0", "committed-1", "marker"])
        // Hiding aborted records needs the broker to list aborted transactions in its fetch responses; Tansu 0.6.0
        // (like librdkafka's mock cluster) sends an empty list, so a read_committed client cannot filter them.
        // This known issue fails the test once the broker starts doing it, so the check is then tightened.
        withKnownIssue("Tansu 0.6.0 returns no AbortedTransactions in Fetch responses") {
            #expect(!seen.contains("aborted"))
        }
        try await plain.shutdown()
    }

    @Test("messages of an open transaction stay hidden from read_committed consumers until it commits")
    func openTransactionIsHidden() async throws {
        let context = try await TansuContext.start()
        let output = try await context.createTopic("txn-open", partitions: 1)
        let plain = try await context.producer()
        let transactional = try await transactionalProducer(context)

        let committedReader = try await context.consumer(group: uniqueName("committed"), topics: [output], isolation: .readCommitted)
        let rawReader = try await context.consumer(group: uniqueName("raw"), topics: [output], isolation: .readUncommitted)
        try await committedReader.wait(for: "assignment") { !$0.assignment.isEmpty }

        try transactional.beginTransaction()
        try await transactional.send([KafkaProducerMessage(topic: output, key: "k", value: "pending")])
        try await plain.send(KafkaProducerMessage(topic: output, key: "k", value: "probe"))
        try await rawReader.wait(for: "probe, read uncommitted") { $0.messages.contains { $0.text == "probe" } }
        // An absence can only be observed over time: the committed reader has fetched for as long, and a second more.
        try await Task.sleep(for: .seconds(1))
        #expect(committedReader.messages.isEmpty)

        try await transactional.commitTransaction()
        try await committedReader.wait(for: "probe after commit") { $0.messages.contains { $0.text == "probe" } }
        try await committedReader.stop()
        try await rawReader.stop()
        let reader = committedReader
        #expect(reader.messages.map(\.text) == ["pending", "probe"])
        try await plain.shutdown()
    }
}
