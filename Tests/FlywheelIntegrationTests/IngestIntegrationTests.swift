import FlywheelEvents
import FlywheelKafka
import FlywheelTestSupport
import Foundation
import Testing

@Suite("flywheel ingest against Tansu", .timeLimit(.minutes(2)))
struct IngestIntegrationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func binary(_ type: String, _ data: [UInt8], id: String, extra: [KafkaHeader] = []) -> [KafkaHeader] {
        [
            KafkaHeader(key: "ce_specversion", string: "1.0"), KafkaHeader(key: "ce_id", string: id),
            KafkaHeader(key: "ce_source", string: "test"), KafkaHeader(key: "ce_type", string: type),
            KafkaHeader(key: "content-type", string: "application/json"),
        ] + extra
    }

    @Test("poison interleaved with good input: good events come out, the rest reaches the dead-letter topic unchanged")
    func poisonIsDeadLettered() async throws {
        let context = try await TansuContext.start()
        let input = try await context.createTopic("ingest-in", partitions: 1)
        let deadLetters = try await context.createTopic("ingest-dlq", partitions: 1)
        let producer = try await context.producer()

        let good = Array(#"{"dataset":"sales-eu","version":"7","rows":10,"bytes":20,"location":"s3://lake/sales-eu/7/"}"#.utf8)
        let alertmanager = Array(#"""
            {"version":"4","groupKey":"{}:{alertname=\"ModelDrift\"}","status":"firing","receiver":"flywheel",
             "groupLabels":{"alertname":"ModelDrift"},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://alertmanager:9093",
             "alerts":[{"status":"firing","labels":{"alertname":"ModelDrift","model":"churn-model","severity":"warning"},
               "annotations":{"value":"0.31"},"startsAt":"2026-11-22T10:00:00Z","endsAt":"0001-01-01T00:00:00Z",
               "generatorURL":"http://prometheus/graph","fingerprint":"a1b2c3d4"}]}
            """#.utf8)
        let messages: [(String, KafkaProducerMessage)] = [
            ("good", KafkaProducerMessage(topic: input, key: Array("sales-eu".utf8), value: good, headers: Self.binary("data.arrived", good, id: "g1"))),
            ("not_json", KafkaProducerMessage(topic: input, key: Array("k".utf8), value: Array(#"{"dataset": "#.utf8), headers: Self.binary("data.arrived", [], id: "p1"))),
            ("duplicate_key", KafkaProducerMessage(topic: input, key: nil, value: Array(#"{"a":1,"a":2}"#.utf8), headers: Self.binary("data.arrived", [], id: "p2"))),
            ("alert", KafkaProducerMessage(topic: input, key: nil, value: alertmanager)),
            ("schema_violation", KafkaProducerMessage(topic: input, key: nil, value: Array(#"{"dataset":"x"}"#.utf8), headers: Self.binary("data.arrived", [], id: "p3"))),
            ("invalid_utf8", KafkaProducerMessage(topic: input, key: nil, value: [0x7B, 0xFF, 0x7D], headers: Self.binary("data.arrived", [], id: "p4"))),
            ("good", KafkaProducerMessage(topic: input, key: Array("sales-eu".utf8), value: good, headers: Self.binary("data.arrived", good, id: "g2"))),
        ]
        try await producer.send(messages.map(\.1))

        let flywheel = try BuiltProducts.executable("flywheel")
        let output = NSTemporaryDirectory() + uniqueName("ingest") + ".jsonl"
        let group = uniqueName("ingest")
        let process = try ChildProcess(
            [flywheel, "ingest", "--bootstrap-servers", context.broker.bootstrapServers, "--topic", input, "--group", group,
             "--dead-letter-topic", deadLetters, "--schemas", Self.repository.appendingPathComponent("topics/schemas").path,
             "--max-messages", String(messages.count), "--session-timeout", "6"],
            standardOutput: output)
        let status = try await process.waitForExit(timeout: .seconds(60))
        #expect(status == 0)

        let lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
        let events = try lines.map { try JSONParser.parse(String($0)) }
        #expect(events.compactMap { $0[path: "id"]?.stringValue } == ["g1", "a1b2c3d4-2026-11-22T10:00:00Z", "g2"])
        #expect(events.compactMap { $0[path: "type"]?.stringValue } == ["data.arrived", "monitoring.alert", "data.arrived"])

        let reader = try await context.consumer(group: uniqueName("dlq-reader"), topics: [deadLetters])
        try await reader.wait(for: "4 dead letters") { $0.messages.count >= 4 }
        try await reader.stop()
        let expected = messages.enumerated().filter { !["good", "alert"].contains($0.element.0) }
        #expect(reader.messages.count == expected.count)
        for (letter, (offset, (reason, original))) in zip(reader.messages, expected) {
            #expect(letter.headers.value(forKey: DeadLetter.reasonHeader) == Array(reason.utf8))
            #expect(letter.headers.value(forKey: DeadLetter.topicHeader) == Array(input.utf8))
            #expect(letter.headers.value(forKey: DeadLetter.offsetHeader) == Array(String(offset).utf8))
            #expect(letter.value == original.value)
            #expect(letter.key == original.key)
            #expect(Array(letter.headers.prefix(original.headers.count)) == original.headers)
        }

        let committed = try await context.admin.listConsumerGroupOffsets(
            group: group, partitions: [KafkaTopicPartition(topic: input, partition: 0)])
        #expect(committed.map(\.offset) == [Int64(messages.count)])
        try await producer.shutdown()
    }
}
