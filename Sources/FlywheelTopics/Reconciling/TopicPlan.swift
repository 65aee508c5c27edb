import FlywheelKafka
import Foundation

/// What it takes to bring a cluster in line with the specifications: the topics to create and every difference.
///
/// Computed from the specifications and what the cluster reported, without talking to it. Topics in the cluster that
/// no specification names are left out.
public struct TopicPlan: Sendable, Hashable {
    /// A topic as the cluster reports it.
    public struct ClusterTopic: Sendable, Hashable {
        public var name: String
        public var partitions: Int
        public var replicationFactor: Int
        /// The topic's configs the broker reported (`retention.ms`, `cleanup.policy`, ...); absent ones are unknown.
        public var configs: [String: String]

        public init(name: String, partitions: Int, replicationFactor: Int, configs: [String: String]) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.configs = configs
        }
    }

    /// The missing topics, as they would be created (replication factor override applied).
    public var topicsToCreate: [KafkaTopicSpecification]
    /// Per existing topic with fewer partitions than specified, the specified count.
    public var partitionIncreases: [String: Int]
    /// Every difference, missing topics included, ordered by topic and field.
    public var differences: [TopicDifference]
    /// The specified topics that exist and match in everything compared.
    public var topicsInSync: [String]
    /// The specified topics that exist and differ from their specification in at least one known way.
    public var topicsDiffering: [String]

    /// Whether every specified topic exists and nothing is known to differ (unknown configs do not count).
    public var isInSync: Bool { !differences.contains { $0.kind.isDrift } }

    /// Compares `specifications` with the topics of the cluster; `replicationFactorOverride` replaces every
    /// specification's replication factor, for creation and comparison alike.
    public init(specifications: [TopicSpecification], cluster: [ClusterTopic], replicationFactorOverride: Int? = nil) {
        let existing = Dictionary(cluster.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        topicsToCreate = []
        partitionIncreases = [:]
        differences = []
        topicsInSync = []
        topicsDiffering = []
        for specification in specifications.sorted(by: { $0.name < $1.name }) {
            let topic = specification.kafkaTopic(replicationFactorOverride: replicationFactorOverride)
            guard let clusterTopic = existing[topic.name] else {
                topicsToCreate.append(topic)
                differences.append(
                    TopicDifference(
                        topic: topic.name, field: "topic",
                        specValue: "\(topic.partitions) partitions, replication factor \(topic.replicationFactor)",
                        clusterValue: "missing", kind: .missingTopic))
                continue
            }
            let found = TopicPlan.compare(topic, specification: specification, with: clusterTopic)
            if found.contains(where: { $0.kind == .fewerPartitions }) {
                partitionIncreases[topic.name] = topic.partitions
            }
            if found.contains(where: \.kind.isDrift) {
                topicsDiffering.append(topic.name)
            } else {
                topicsInSync.append(topic.name)
            }
            differences += found
        }
    }

    static func compare(
        _ topic: KafkaTopicSpecification, specification: TopicSpecification, with cluster: ClusterTopic
    ) -> [TopicDifference] {
        let configs = cluster.configs
        var found: [TopicDifference] = []
        func differ(_ field: String, _ spec: String, _ cluster: String, _ kind: TopicDifference.Kind) {
            found.append(
                TopicDifference(topic: topic.name, field: field, specValue: spec, clusterValue: cluster, kind: kind))
        }
        if cluster.partitions != topic.partitions {
            differ(
                "partitions", "\(topic.partitions)", "\(cluster.partitions)",
                cluster.partitions < topic.partitions ? .fewerPartitions : .morePartitions)
        }
        if cluster.replicationFactor != topic.replicationFactor {
            differ(
                "replication_factor", "\(topic.replicationFactor)", "\(cluster.replicationFactor)", .replicationFactor)
        }
        let retentionName = TopicSpecification.ConfigName.retention
        let specRetention = specification.retention.retentionText
        switch configs[retentionName] {
        case nil:
            differ("retention", specRetention, "unknown", .unknownConfig)
        case let value? where Int64(value) != specification.retention.wholeMilliseconds:
            differ(
                "retention", specRetention, Duration.retentionText(kafkaValue: value) ?? "\(retentionName)=\(value)",
                .config)
        default:
            break
        }
        let policyName = TopicSpecification.ConfigName.cleanupPolicy
        switch configs[policyName] {
        case nil:
            differ("cleanup_policy", specification.cleanupPolicy.rawValue, "unknown", .unknownConfig)
        case let value? where policySet(value) != [specification.cleanupPolicy.rawValue]:
            differ("cleanup_policy", specification.cleanupPolicy.rawValue, value, .config)
        default:
            break
        }
        return found
    }

    /// `cleanup.policy` is a comma-separated list (`compact,delete`); order and spaces do not matter.
    static func policySet(_ value: String) -> Set<String> {
        Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }
}
