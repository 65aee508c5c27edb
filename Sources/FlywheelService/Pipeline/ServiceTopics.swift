import FlywheelKafka
import Logging

/// The topics `flywheel serve` reads and writes, checked (and its internal ones created) before it starts.
///
/// The rule state is split by partition number: partition p of every input topic, of the repartition topic and of
/// the state topic belong together. So all input topics must have the same partition count, and the service's
/// internal topics are created with it: the repartition topic (7 days' retention) and the state topic (compacted).
struct ServiceTopics {
    let partitions: Int32

    static func prepare(_ configuration: ServeConfiguration, admin: KafkaAdmin, logger: Logger) async throws -> ServiceTopics {
        let inputs = configuration.inputTopics
        let described = Dictionary(
            try await admin.describeTopics().map { ($0.name, $0) },
            uniquingKeysWith: { first, _ in first })
        let missing = inputs.filter { (described[$0]?.partitionCount ?? 0) == 0 }
        guard missing.isEmpty else {
            throw ServiceError(
                code: .topics,
                message: "input topic\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")) not found on the cluster; create them (flywheel topics apply) or fix inputs in the configuration")
        }
        let counts = Set(inputs.map { described[$0]!.partitionCount })
        guard counts.count == 1, let count = counts.first else {
            let listing = inputs.map { "\($0): \(described[$0]!.partitionCount)" }.joined(separator: ", ")
            throw ServiceError(
                code: .topics,
                message: "input topics must have the same number of partitions, so that a key's events meet in one instance; they have \(listing)")
        }
        let internalTopics = [
            KafkaTopicSpecification(name: configuration.repartitionTopic, partitions: count, configs: ["retention.ms": "604800000"]),
            KafkaTopicSpecification(name: configuration.stateTopic, partitions: count, configs: ["cleanup.policy": "compact"]),
        ]
        let toCreate = internalTopics.filter { (described[$0.name]?.partitionCount ?? 0) == 0 }
        if !toCreate.isEmpty {
            let outcomes = try await admin.createTopics(toCreate)
            for (topic, error) in outcomes {
                if let error, error.code != .topicAlreadyExists {
                    throw ServiceError(code: .topics, message: "cannot create \(topic): \(error)")
                }
                logger.info("Created internal topic", metadata: ["topic": "\(topic)", "partitions": "\(count)"])
            }
        }
        for topic in internalTopics {
            if let existing = described[topic.name], existing.partitionCount != 0, existing.partitionCount != count {
                throw ServiceError(
                    code: .topics,
                    message: "\(topic.name) has \(existing.partitionCount) partitions, the input topics \(count); they must match (delete it, or give the service another name for it)")
            }
        }
        return ServiceTopics(partitions: Int32(count))
    }
}
