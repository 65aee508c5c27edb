import ArgumentParser
import FlywheelKafka

/// Which topics to read, as which consumer group, and for how long.
struct ConsumerGroupOptions: ParsableArguments {
    @Option(name: .customLong("topic"), help: "A topic to read; repeat for more.")
    var topics: [String]

    @Option(help: "The consumer group id.")
    var group: String

    @Option(help: "Stop after this many messages.")
    var maxMessages: Int?

    @Option(help: "Seconds without heartbeat after which the group drops this member.")
    var sessionTimeout = 45

    func consumerConfiguration(client: KafkaClientConfiguration) -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(client: client, groupID: group, topics: topics, sessionTimeout: .seconds(sessionTimeout))
    }
}
