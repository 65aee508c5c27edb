import FlywheelKafka
import FlywheelTopics
import Testing

@Suite("Topic plans")
struct TopicPlanTests {
    static func spec(
        _ name: String, partitions: Int = 6, replicationFactor: Int = 3, retention: Duration = .seconds(7 * 86_400),
        policy: TopicSpecification.CleanupPolicy = .delete
    ) -> TopicSpecification {
        TopicSpecification(
            name: name, partitions: partitions, replicationFactor: replicationFactor, retention: retention,
            cleanupPolicy: policy, key: "model", eventTypes: ["model.registered"], description: "A topic.")
    }

    /// The cluster's view of `spec`, changed by `change`.
    static func cluster(_ spec: TopicSpecification, _ change: (inout TopicPlan.ClusterTopic) -> Void = { _ in })
        -> TopicPlan.ClusterTopic
    {
        var topic = TopicPlan.ClusterTopic(
            name: spec.name, partitions: spec.partitions, replicationFactor: spec.replicationFactor,
            configs: spec.configs.merging(["segment.bytes": "1073741824"]) { first, _ in first })
        change(&topic)
        return topic
    }

    @Test("missing topics are to be created, with the replication factor override, and count as drift")
    func missingTopics() {
        let specs = [Self.spec("b.topic"), Self.spec("a.topic", partitions: 2, policy: .compact)]
        let plan = TopicPlan(specifications: specs, cluster: [], replicationFactorOverride: 1)
        #expect(
            plan.topicsToCreate == [
                KafkaTopicSpecification(
                    name: "a.topic", partitions: 2, replicationFactor: 1,
                    configs: ["retention.ms": "604800000", "cleanup.policy": "compact"]),
                KafkaTopicSpecification(
                    name: "b.topic", partitions: 6, replicationFactor: 1,
                    configs: ["retention.ms": "604800000", "cleanup.policy": "delete"]),
            ])
        #expect(
            plan.differences.map(\.description) == [
                "a.topic: topic: spec 2 partitions, replication factor 1, cluster missing (apply creates it)",
                "b.topic: topic: spec 6 partitions, replication factor 1, cluster missing (apply creates it)",
            ])
        #expect(!plan.isInSync)
        #expect(plan.topicsInSync.isEmpty)
    }

    @Test("a cluster that matches the specs gives an empty plan, and topics no spec names are ignored")
    func inSync() {
        let spec = Self.spec("a.topic")
        let other = TopicPlan.ClusterTopic(name: "someone.elses", partitions: 1, replicationFactor: 1, configs: [:])
        let plan = TopicPlan(specifications: [spec], cluster: [Self.cluster(spec), other])
        #expect(plan.topicsToCreate.isEmpty)
        #expect(plan.differences.isEmpty)
        #expect(plan.partitionIncreases.isEmpty)
        #expect(plan.topicsInSync == ["a.topic"])
        #expect(plan.topicsDiffering.isEmpty)
        #expect(plan.isInSync)
    }

    @Test("fewer partitions than specified can be raised; more are reported and never lowered")
    func partitions() {
        let fewer = Self.spec("fewer.topic", partitions: 6)
        let more = Self.spec("more.topic", partitions: 3)
        let plan = TopicPlan(
            specifications: [fewer, more],
            cluster: [Self.cluster(fewer) { $0.partitions = 4 }, Self.cluster(more) { $0.partitions = 12 }])
        #expect(plan.topicsToCreate.isEmpty)
        #expect(plan.partitionIncreases == ["fewer.topic": 6])
        #expect(plan.differences.map(\.kind) == [.fewerPartitions, .morePartitions])
        #expect(plan.topicsDiffering == ["fewer.topic", "more.topic"])
        #expect(
            plan.differences.map(\.description) == [
                "fewer.topic: partitions: spec 6, cluster 4 (can be raised with apply --increase-partitions)",
                "more.topic: partitions: spec 3, cluster 12 (Kafka cannot remove partitions; reported only)",
            ])
        #expect(!plan.isInSync)
    }

    @Test("a different replication factor is reported, unless the override matches the cluster")
    func replicationFactor() {
        let spec = Self.spec("a.topic", replicationFactor: 3)
        let cluster = [Self.cluster(spec) { $0.replicationFactor = 1 }]
        let plan = TopicPlan(specifications: [spec], cluster: cluster)
        #expect(
            plan.differences.map(\.description) == ["a.topic: replication_factor: spec 3, cluster 1 (reported only)"])
        #expect(plan.partitionIncreases.isEmpty)
        #expect(!plan.isInSync)
        let overridden = TopicPlan(specifications: [spec], cluster: cluster, replicationFactorOverride: 1)
        #expect(overridden.differences.isEmpty)
        #expect(overridden.isInSync)
    }

    @Test("retention and cleanup policy that differ are reported in the spec's terms")
    func configs() {
        let spec = Self.spec("a.topic", retention: .seconds(7 * 86_400), policy: .delete)
        let plan = TopicPlan(
            specifications: [spec],
            cluster: [
                Self.cluster(spec) {
                    $0.configs["retention.ms"] = "43200000"
                    $0.configs["cleanup.policy"] = "compact,delete"
                }
            ])
        #expect(
            plan.differences.map(\.description) == [
                "a.topic: retention: spec 7d, cluster 12h (reported only)",
                "a.topic: cleanup_policy: spec delete, cluster compact,delete (reported only)",
            ])
        #expect(plan.differences.allSatisfy { $0.kind == .config })
        #expect(!plan.isInSync)

        let forever = TopicPlan(
            specifications: [spec], cluster: [Self.cluster(spec) { $0.configs["retention.ms"] = "-1" }])
        #expect(forever.differences.map(\.clusterValue) == ["forever"])
    }

    @Test("equal configs written differently are no difference")
    func equalConfigs() {
        let spec = Self.spec("a.topic", retention: .seconds(86_400), policy: .compact)
        let plan = TopicPlan(
            specifications: [spec],
            cluster: [
                Self.cluster(spec) {
                    $0.configs["retention.ms"] = "86400000"
                    $0.configs["cleanup.policy"] = " compact"
                }
            ])
        #expect(plan.differences.isEmpty)
    }

    @Test("configs the broker does not report are unknown, shown but not counted as drift")
    func unknownConfigs() {
        let spec = Self.spec("a.topic")
        let plan = TopicPlan(specifications: [spec], cluster: [Self.cluster(spec) { $0.configs = [:] }])
        #expect(
            plan.differences.map(\.description) == [
                "a.topic: retention: spec 7d, cluster unknown (the broker did not report it; not compared)",
                "a.topic: cleanup_policy: spec delete, cluster unknown (the broker did not report it; not compared)",
            ])
        #expect(plan.differences.allSatisfy { $0.kind == .unknownConfig && !$0.kind.isDrift })
        #expect(plan.isInSync)
        #expect(plan.topicsInSync == ["a.topic"])
    }
}
