import FlywheelKafka
import FlywheelTestSupport
import Testing

/// The client layer against a real Kafka-protocol broker (Tansu), started per test.
@Suite("Kafka client against Tansu", .timeLimit(.minutes(2)))
struct ClientIntegrationTests {
    @Test("a produced message comes back with its key, value, headers and coordinates")
    func roundTrip() async throws {
        let context = try await TansuContext.start()
        let topic = try await context.createTopic("roundtrip")
        let producer = try await context.producer()
        let binary: [UInt8] = [0, 1, 2, 0xFF, 0xFE]
        let sent = KafkaProducerMessage(
            topic: topic, key: Array("model-7".utf8), value: binary,
            headers: [
                KafkaHeader(key: "ce_type", string: "data.arrived"),
                KafkaHeader(key: "ce_id", string: "evt-1"),
                KafkaHeader(key: "empty", value: nil),
                KafkaHeader(key: "ce_type", string: "repeated"),
            ],
            timestampMilliseconds: 1_700_000_000_000)
        let report = try await producer.send(sent)
        #expect(report.topic == topic)

        let harness = try await context.consumer(group: uniqueName("g"), topics: [topic])
        try await harness.wait(for: "the message") { !$0.messages.isEmpty }
        try await harness.stop()
        let received = try #require(harness.messages.first)
        #expect(harness.messages.count == 1)
        #expect(received.key == Array("model-7".utf8))
        #expect(received.value == binary)
        #expect(received.headers == sent.headers)
        #expect(received.headers.value(forKey: "ce_type") == Array("repeated".utf8))
        #expect(received.partition == report.partition)
        #expect(received.offset == report.offset)
        #expect(received.timestampMilliseconds == 1_700_000_000_000)
        try await producer.shutdown()
    }

    @Test("a new group reads a readFromBeginning topic from its start although offsetReset says latest")
    func readFromBeginning() async throws {
        let context = try await TansuContext.start()
        let own = try await context.createTopic("own", partitions: 1)
        let producer = try await context.producer()
        try await producer.send([KafkaProducerMessage(topic: own, key: "k", value: "before")])
        var configuration = KafkaConsumerConfiguration(
            client: context.broker.clientConfiguration, groupID: uniqueName("beginning"), topics: [own], offsetReset: .latest,
            assignmentStrategy: .range, sessionTimeout: .seconds(6))
        configuration.readFromBeginning = [own]
        let harness = ConsumerHarness(consumer: try await KafkaConsumer(configuration: configuration, logger: context.logger))
        try await harness.wait(for: "the record written before the group started") { !$0.messages.isEmpty }
        #expect(harness.messages.map(\.text) == ["before"])
        try await harness.stop()
        try await producer.shutdown()
    }

    @Test("messages with the same key land on one partition, in order")
    func keyedOrdering() async throws {
        let context = try await TansuContext.start()
        let topic = try await context.createTopic("ordering")
        let producer = try await context.producer()
        let messages = (0..<200).map { KafkaProducerMessage(topic: topic, key: "dataset-\($0 % 5)", value: "\($0)") }
        let reports = try await producer.send(messages)
        for key in 0..<5 {
            let partitions = Set(zip(messages, reports).filter { $0.0.key == Array("dataset-\(key)".utf8) }.map { $0.1.partition })
            #expect(partitions.count == 1)
        }
        let harness = try await context.consumer(group: uniqueName("g"), topics: [topic])
        try await harness.wait(for: "200 messages") { $0.messages.count >= 200 }
        try await harness.stop()
        for key in 0..<5 {
            let values = harness.messages.filter { $0.key == Array("dataset-\(key)".utf8) }.map { Int($0.text)! }
            #expect(values == values.sorted())
            #expect(values.count == 40)
        }
        try await producer.shutdown()
    }

    @Test("two consumers in a group split the partitions; when one leaves the other takes them all")
    func groupRebalance() async throws {
        let context = try await TansuContext.start()
        let topic = try await context.createTopic("split", partitions: 4)
        let group = uniqueName("group")
        let all = Set((0..<4).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) })

        let first = try await context.consumer(group: group, topics: [topic])
        try await first.wait(for: "first consumer owns all partitions") { $0.assignment == all }
        let second = try await context.consumer(group: group, topics: [topic])
        try await second.wait(for: "second consumer gets a share") { !$0.assignment.isEmpty }
        try await first.wait(for: "first consumer gives up a share") { $0.assignment.count < 4 }
        #expect(first.assignment.isDisjoint(with: second.assignment))
        #expect(first.assignment.union(second.assignment) == all)

        let producer = try await context.producer()
        let reports = try await producer.send((0..<100).map { KafkaProducerMessage(topic: topic, key: "k\($0)", value: "\($0)") })
        let firstPartitions = Set(first.assignment.map(\.partition))
        let firstShare = reports.filter { firstPartitions.contains($0.partition) }.count
        try await first.wait(for: "first consumer's share") { $0.messages.count >= firstShare }
        try await second.wait(for: "second consumer's share") { $0.messages.count >= 100 - firstShare }
        #expect(Set(first.messages.map(\.partition)).isSubset(of: firstPartitions))
        #expect(first.messages.count + second.messages.count == 100)

        try await second.stop()
        try await first.wait(for: "first consumer takes all partitions back") { $0.assignment == all }
        try await producer.send((100..<140).map { KafkaProducerMessage(topic: topic, key: "k\($0)", value: "\($0)") })
        try await first.wait(for: "all later messages") { h in h.messages.filter { Int($0.text)! >= 100 }.count >= 40 }
        let seen = (first.messages + second.messages).map(\.text)
        #expect(Set(seen).count == 140)
        try await first.stop()
        try await producer.shutdown()
    }

    @Test("a restarted consumer resumes from its committed offsets: nothing lost, nothing read twice")
    func resumeFromCommittedOffsets() async throws {
        let context = try await TansuContext.start()
        let topic = try await context.createTopic("resume")
        let group = uniqueName("group")
        let producer = try await context.producer()
        try await producer.send((0..<60).map { KafkaProducerMessage(topic: topic, key: "k\($0)", value: "first-\($0)") })

        let before = try await context.consumer(group: group, topics: [topic])
        try await before.wait(for: "the first 60") { $0.messages.count >= 60 }
        try await before.stop()

        let committed = try await context.admin.listConsumerGroupOffsets(
            group: group, partitions: (0..<4).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) })
        #expect(committed.map(\.offset).reduce(0, +) == 60)

        try await producer.send((0..<40).map { KafkaProducerMessage(topic: topic, key: "k\($0)", value: "second-\($0)") })
        let after = try await context.consumer(group: group, topics: [topic])
        try await after.wait(for: "the next 40") { $0.messages.count >= 40 }
        // Let the restarted member settle: a re-read of old messages would arrive with the first fetch.
        try await producer.send(KafkaProducerMessage(topic: topic, key: "k0", value: "marker"))
        try await after.wait(for: "the marker") { $0.messages.contains { $0.text == "marker" } }
        try await after.stop()
        #expect(after.messages.count == 41)
        #expect(after.messages.allSatisfy { !$0.text.hasPrefix("first-") })
        try await producer.shutdown()
    }

    @Test("unprocessed messages are not committed: a consumer that stores no offsets leaves them for the next")
    func unstoredOffsetsAreReread() async throws {
        let context = try await TansuContext.start()
        let topic = try await context.createTopic("unstored", partitions: 1)
        let group = uniqueName("group")
        let producer = try await context.producer()
        try await producer.send((0..<10).map { KafkaProducerMessage(topic: topic, key: nil, value: "m\($0)") })

        let consumer = try await KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: context.broker.clientConfiguration, groupID: group, topics: [topic],
                commitInterval: .milliseconds(200), sessionTimeout: .seconds(6)),
            logger: context.logger)
        let crashing = ConsumerHarness(consumer: consumer, storeOffsets: false)
        try await crashing.wait(for: "10 messages") { $0.messages.count >= 10 }
        try await crashing.stop()

        let next = try await context.consumer(group: group, topics: [topic])
        try await next.wait(for: "the same 10 again") { $0.messages.count >= 10 }
        try await next.stop()
        #expect(next.messages.map(\.text) == (0..<10).map { "m\($0)" })
        try await producer.shutdown()
    }
}
