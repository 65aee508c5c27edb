import FlywheelKafka

/// One topic as `topics/<name>.yaml` declares it.
public struct TopicSpecification: Sendable, Hashable {
    /// A topic's `cleanup.policy`: what Kafka does with old records.
    public struct CleanupPolicy: Sendable, Hashable, CustomStringConvertible {
        /// The value of Kafka's `cleanup.policy` and of the YAML field.
        public let rawValue: String

        /// Records older than the retention are deleted.
        public static let delete = CleanupPolicy(rawValue: "delete")
        /// Only the newest record of each key is kept.
        public static let compact = CleanupPolicy(rawValue: "compact")

        /// Every policy a specification may name.
        public static let all: [CleanupPolicy] = [.delete, .compact]

        public init?(_ text: String) {
            guard let policy = CleanupPolicy.all.first(where: { $0.rawValue == text }) else { return nil }
            self = policy
        }

        private init(rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }

    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// How long records are kept (`retention.ms`); whole milliseconds.
    public var retention: Duration
    public var cleanupPolicy: CleanupPolicy
    /// What the message key is (documentation only: `model`, `dataset`, ...).
    public var key: String
    /// The CloudEvents types the topic carries.
    public var eventTypes: [String]
    public var description: String

    public init(
        name: String, partitions: Int, replicationFactor: Int, retention: Duration, cleanupPolicy: CleanupPolicy,
        key: String, eventTypes: [String], description: String
    ) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.retention = retention
        self.cleanupPolicy = cleanupPolicy
        self.key = key
        self.eventTypes = eventTypes
        self.description = description
    }
}
