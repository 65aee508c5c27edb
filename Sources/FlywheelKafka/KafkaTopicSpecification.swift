/// A topic to create: name, partitions, replication and topic-level configs (`retention.ms`, `cleanup.policy`, ...).
public struct KafkaTopicSpecification: Sendable, Hashable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    public var configs: [String: String]

    public init(name: String, partitions: Int, replicationFactor: Int = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// A topic as the cluster's metadata describes it.
public struct KafkaTopicDescription: Sendable, Hashable {
    public struct Partition: Sendable, Hashable {
        public var id: Int32
        public var leader: Int32
        public var replicas: [Int32]
    }

    public var name: String
    public var partitions: [Partition]

    public var partitionCount: Int { partitions.count }
    /// The smallest replica count over the partitions.
    public var replicationFactor: Int { partitions.map(\.replicas.count).min() ?? 0 }
}
