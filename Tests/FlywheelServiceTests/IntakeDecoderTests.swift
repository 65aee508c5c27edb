import FlywheelEvents
import FlywheelKafka
import FlywheelPipeline
import Logging
import Testing

@Suite("Intake decoder")
struct IntakeDecoderTests {
    static func message(_ offset: Int64, partition: Int32) -> KafkaConsumerMessage {
        // Every seventh record is not JSON: a dead letter.
        let value =
            offset % 7 == 3
            ? "not json \(offset)"
            : #"{"specversion":"1.0","id":"e-\#(partition)-\#(offset)","source":"s","type":"unchecked.type","data":{"n":\#(offset)}}"#
        return KafkaConsumerMessage(
            topic: "in", partition: partition, offset: offset, key: Array("k\(offset % 5)".utf8), value: Array(value.utf8),
            headers: [KafkaHeader(key: "content-type", string: "application/cloudevents+json")])
    }

    @Test("a batch decoded in parallel slices hands its events over in the batch's order, each once, dead letters apart",
          arguments: [1, 2, 3])
    func parallelOrder(parallelism: Int) async throws {
        // Two partitions in runs, as batches come; every eleventh message is left out (already applied).
        let messages = (0..<1_800).map { Self.message(Int64($0), partition: 0) } + (0..<1_700).map { Self.message(Int64($0), partition: 1) }
        let indices = messages.indices.filter { $0 % 11 != 5 }
        let decoder = IntakeDecoder(intake: EventIntake(schemas: EventSchemas()), deadLetterTopic: "dead", logger: Logger(label: "test"))
        let batch = await decoder.decode(messages, at: indices, parallelism: parallelism)

        let expected = indices.filter { messages[$0].offset % 7 != 3 }
        var taken: [String] = []
        for event in batch.events {
            #expect(event.event.id == "e-\(event.source.partition)-\(event.source.offset)")
            #expect(event.key == "k\(event.source.offset % 5)")
            taken.append(event.event.id)
        }
        #expect(taken == expected.map { "e-\(messages[$0].partition)-\(messages[$0].offset)" })

        let poisoned = indices.filter { messages[$0].offset % 7 == 3 }
        #expect(batch.deadLetterSources.map(\.offset) == poisoned.map { messages[$0].offset })
        #expect(batch.deadLetters.count == poisoned.count)
        #expect(batch.deadLetters.allSatisfy { $0.topic == "dead" })
    }
}
