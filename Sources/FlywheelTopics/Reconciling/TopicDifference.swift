/// One way a topic in the cluster differs from its specification, or could not be compared.
public struct TopicDifference: Sendable, Hashable, CustomStringConvertible {
    /// What differs; compare with the static members.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case missingTopic
            case fewerPartitions
            case morePartitions
            case replicationFactor
            case config
            case unknownConfig
        }

        fileprivate let base: Base

        /// The topic does not exist; `apply` creates it.
        public static let missingTopic = Kind(base: .missingTopic)
        /// The topic has fewer partitions than specified; they can be raised (`apply --increase-partitions`).
        public static let fewerPartitions = Kind(base: .fewerPartitions)
        /// The topic has more partitions than specified; Kafka cannot remove partitions, so this is reported only.
        public static let morePartitions = Kind(base: .morePartitions)
        /// The replication factor differs; reported only (changing it means reassigning replicas).
        public static let replicationFactor = Kind(base: .replicationFactor)
        /// A topic config (`retention.ms`, `cleanup.policy`) differs; reported only.
        public static let config = Kind(base: .config)
        /// The broker did not report the config, so it could not be compared; not counted as drift.
        public static let unknownConfig = Kind(base: .unknownConfig)

        /// Whether the cluster is known to differ from the specification (`check` fails on it).
        public var isDrift: Bool { self != .unknownConfig }

        public var description: String { String(describing: base) }
    }

    public var topic: String
    /// The field that differs: `topic`, `partitions`, `replication_factor`, `retention` or `cleanup_policy`.
    public var field: String
    public var specValue: String
    /// The cluster's value, `missing` for a missing topic or `unknown` when the broker did not report it.
    public var clusterValue: String
    public var kind: Kind

    public init(topic: String, field: String, specValue: String, clusterValue: String, kind: Kind) {
        self.topic = topic
        self.field = field
        self.specValue = specValue
        self.clusterValue = clusterValue
        self.kind = kind
    }

    /// One line: topic, field, spec value, cluster value and what can be done about it.
    public var description: String {
        let note: String
        switch kind {
        case .missingTopic: note = "apply creates it"
        case .fewerPartitions: note = "can be raised with apply --increase-partitions"
        case .morePartitions: note = "Kafka cannot remove partitions; reported only"
        case .unknownConfig: note = "the broker did not report it; not compared"
        default: note = "reported only"
        }
        return "\(topic): \(field): spec \(specValue), cluster \(clusterValue) (\(note))"
    }
}
