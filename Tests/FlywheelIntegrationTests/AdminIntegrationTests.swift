import FlywheelKafka
import FlywheelTestSupport
import Testing

@Suite("Admin against Tansu", .timeLimit(.minutes(1)))
struct AdminIntegrationTests {
    @Test("topics are created with their partitions, described, and a second create reports they exist")
    func createAndDescribe() async throws {
        let context = try await TansuContext.start()
        let name = uniqueName("admin")
        let results = try await context.admin.createTopics([
            KafkaTopicSpecification(name: name, partitions: 3, configs: ["cleanup.policy": "compact"])
        ])
        #expect(results.keys.sorted() == [name])
        #expect(results[name]! == nil)
        let description = try #require(try await context.admin.describeTopics([name]).first)
        #expect(description.name == name)
        #expect(description.partitionCount == 3)
        #expect(description.replicationFactor == 1)

        let again = await #expect(throws: KafkaError.self) {
            try await context.admin.createTopic(KafkaTopicSpecification(name: name, partitions: 3))
        }
        #expect(again?.code == .topicAlreadyExists)

        let missing = await #expect(throws: KafkaError.self) {
            _ = try await context.admin.describeTopics(["flywheel-no-such-topic-\(UInt32.random(in: 0...9999))"])
        }
        #expect(missing?.code == .unknownTopic)
    }
}
