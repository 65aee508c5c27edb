import FlywheelKafka

extension TopicSpecification {
    /// The names of the topic-level Kafka configs a specification sets.
    public enum ConfigName {
        public static let retention = "retention.ms"
        public static let cleanupPolicy = "cleanup.policy"
    }

    /// The Kafka configs the specification sets: `retention.ms` and `cleanup.policy`.
    public var configs: [String: String] {
        [
            ConfigName.retention: String(retention.wholeMilliseconds),
            ConfigName.cleanupPolicy: cleanupPolicy.rawValue,
        ]
    }

    /// The topic to create; `replicationFactorOverride` replaces the specification's replication factor.
    public func kafkaTopic(replicationFactorOverride: Int? = nil) -> KafkaTopicSpecification {
        KafkaTopicSpecification(
            name: name, partitions: partitions, replicationFactor: replicationFactorOverride ?? replicationFactor,
            configs: configs)
    }
}
