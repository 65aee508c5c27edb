import FlywheelKafka
import Logging

/// Compares topic specifications with a cluster and creates the missing topics.
///
/// `apply` never deletes a topic, never lowers a partition count and never changes a config or replication factor:
/// existing topics that differ are reported. Partitions are raised only when asked, because new partitions change
/// which partition a key lands on.
public struct TopicReconciler: Sendable {
    /// What `apply` did.
    public struct Outcome: Sendable {
        /// The topics created, as requested.
        public var created: [KafkaTopicSpecification] = []
        /// Per topic whose partitions were raised, the new count.
        public var partitionsRaised: [String: Int] = [:]
        /// Per topic, the error that stopped its creation or partition increase.
        public var failures: [String: KafkaError] = [:]
    }

    private let admin: KafkaAdmin
    private let logger: Logger

    public init(admin: KafkaAdmin, logger: Logger) {
        self.admin = admin
        self.logger = logger
    }

    /// Reads the topics and their configs from the cluster and compares them with `specifications`.
    public func plan(_ specifications: [TopicSpecification], replicationFactorOverride: Int? = nil)
        async throws(KafkaError) -> TopicPlan
    {
        let wanted = Set(specifications.map(\.name))
        let descriptions = try await admin.describeTopics().filter { wanted.contains($0.name) }
        let configs = try await admin.describeTopicConfigs(descriptions.map(\.name))
        let cluster = descriptions.map { description in
            TopicPlan.ClusterTopic(
                name: description.name, partitions: description.partitionCount,
                replicationFactor: description.replicationFactor, configs: configs[description.name] ?? [:])
        }
        return TopicPlan(
            specifications: specifications, cluster: cluster, replicationFactorOverride: replicationFactorOverride)
    }

    /// Creates the plan's missing topics and, only when `increasePartitions`, raises partition counts below the spec.
    ///
    /// A topic that someone else created after the plan was made is left as it is.
    public func apply(_ plan: TopicPlan, increasePartitions: Bool = false) async throws(KafkaError) -> Outcome {
        var outcome = Outcome()
        if !plan.topicsToCreate.isEmpty {
            let results = try await admin.createTopics(plan.topicsToCreate)
            for topic in plan.topicsToCreate {
                switch results[topic.name] {
                case .some(nil):
                    outcome.created.append(topic)
                    logger.info(
                        "created topic",
                        metadata: [LogKey.topic: "\(topic.name)", LogKey.partitions: "\(topic.partitions)"])
                case .some(let error?) where error.code == .topicAlreadyExists:
                    logger.notice("topic exists already; left as it is", metadata: [LogKey.topic: "\(topic.name)"])
                case .some(let error?):
                    outcome.failures[topic.name] = error
                case nil:
                    outcome.failures[topic.name] = KafkaError(
                        code: .admin, reason: "creating topic \(topic.name): the broker gave no result")
                }
            }
        }
        if increasePartitions, !plan.partitionIncreases.isEmpty {
            let results: [String: KafkaError?]
            do {
                results = try await admin.createPartitions(plan.partitionIncreases)
            } catch {
                // The whole request failed (e.g. a broker without CreatePartitions): the topics created above stay
                // reported, and every increase fails with that error.
                results = plan.partitionIncreases.mapValues { _ in error }
            }
            for (topic, total) in plan.partitionIncreases.sorted(by: { $0.key < $1.key }) {
                switch results[topic] {
                case .some(nil):
                    outcome.partitionsRaised[topic] = total
                    logger.info(
                        "raised partitions", metadata: [LogKey.topic: "\(topic)", LogKey.partitions: "\(total)"])
                case .some(let error?):
                    outcome.failures[topic] = error
                case nil:
                    outcome.failures[topic] = KafkaError(
                        code: .admin, reason: "raising the partitions of topic \(topic): the broker gave no result")
                }
            }
        }
        return outcome
    }
}
