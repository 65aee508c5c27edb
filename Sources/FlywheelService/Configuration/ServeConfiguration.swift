import FlywheelKafka
import Foundation

/// The configuration of `flywheel serve`, read from a YAML file (see docs/configuration.md).
public struct ServeConfiguration: Sendable {
    /// How triggers and offsets reach Kafka.
    public struct Delivery: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// Per batch, triggers, audit records, state changes and input offsets commit in one Kafka transaction.
        public static let exactlyOnce = Delivery(name: "exactly-once")
        /// For brokers without transactions: triggers are sent before offsets are committed, and their
        /// deterministic ids let downstream drop the duplicates a crash can cause.
        public static let atLeastOnce = Delivery(name: "at-least-once")
        public static let all = [exactlyOnce, atLeastOnce]
        public var description: String { name }
    }

    /// One kind of input: data arrivals, code changes, monitoring alerts or model-registry events.
    public struct Stream: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let dataArrivals = Stream(name: "data_arrivals")
        public static let codeChanges = Stream(name: "code_changes")
        public static let monitoringAlerts = Stream(name: "monitoring_alerts")
        public static let modelRegistry = Stream(name: "model_registry")
        public static let all = [dataArrivals, codeChanges, monitoringAlerts, modelRegistry]
        public var description: String { name }
    }

    /// The topics of one stream, and the event path their records are keyed by, if they are.
    public struct Input: Sendable, Hashable {
        public var stream: Stream
        public var topics: [String]
        /// The path (`data.dataset`) whose value is each record's Kafka key, as the producers promise.
        public var key: [String]?

        public init(stream: Stream, topics: [String], key: [String]? = nil) {
            self.stream = stream
            self.topics = topics
            self.key = key
        }
    }

    public struct HTTP: Sendable, Hashable {
        public var host: String
        public var port: Int

        public init(host: String = "0.0.0.0", port: Int = 8080) {
            self.host = host
            self.port = port
        }
    }

    public var kafka: KafkaClientConfiguration
    public var groupID: String
    /// This instance's name, stable across its restarts (a StatefulSet pod's name, the host's name): its
    /// transactional id, so that a restarted instance fences and aborts what its crashed predecessor left open.
    public var instanceID: String
    public var inputs: [Input]
    /// The topics rules may emit to; empty allows any.
    public var outputTopics: [String]
    public var auditTopic: String
    public var deadLetterTopic: String
    /// Rule files, resolved against the configuration file's folder.
    public var ruleFiles: [String]
    /// The event schemas' folder; nil checks no schemas.
    public var schemasDirectory: String?
    public var delivery: Delivery
    /// The compacted changelog of rule state.
    public var stateTopic: String
    /// Where events are re-keyed when their Kafka key is not their rules' key.
    public var repartitionTopic: String
    public var http: HTTP
    /// The consumer group's session timeout: how long an instance may be silent before the group moves its
    /// partitions (and how long a new member waits to join).
    public var sessionTimeout: Duration
    /// The most input records evaluated and committed together.
    public var maxBatchSize: Int
    /// Batches are only as large as what has arrived; under a backlog, larger ones write each changed key's state
    /// once for more events (30,000 served about 15% more events/s than 10,000 in benchmark-serve).
    public static let defaultMaxBatchSize = 30_000
    /// The most bytes of input records (keys, values, headers) in one batch: with large records, memory is bounded
    /// by this rather than by `maxBatchSize`. The consumer holds up to twice this between Kafka and the pipeline.
    public var maxBatchBytes: Int = ServeConfiguration.defaultMaxBatchBytes
    public static let defaultMaxBatchBytes = 32 << 20
    /// The codec of every record the service writes (triggers, audit records, state, dead letters, re-keyed
    /// events). Triggers and audit records repeat their causes' topics and types, and compress several times over.
    public var compression: KafkaProducerConfiguration.Compression = .lz4
    /// The largest record the service's producers may send: librdkafka's `message.max.bytes`, 1,000,000 unless
    /// `kafka.properties` sets it.
    public var maxRecordBytes: Int { kafka.additionalProperties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000 }
    /// How often the wall clock is checked for absences that came due without an event.
    public var absenceCheckInterval: Duration
    /// Where a new consumer group starts on the input topics: at the oldest record, or only with new ones.
    public var offsetReset: KafkaConsumerConfiguration.OffsetReset
    /// How often the cluster is asked whether it answers (readiness) and the consumer lag is measured.
    public var brokerCheckInterval: Duration
    /// The longest a broker may hold a fetch of the inputs while it has no new records: a bound on the latency a
    /// broker that answers only when it expires adds, paid for with empty fetches while the inputs are idle.
    public var fetchMaxWait: Duration

    public init(
        kafka: KafkaClientConfiguration, groupID: String = "flywheel", instanceID: String = ServeConfiguration.defaultInstanceID, inputs: [Input], outputTopics: [String] = [],
        auditTopic: String = "flywheel.trigger.audit", deadLetterTopic: String = "flywheel.deadletter", ruleFiles: [String],
        schemasDirectory: String? = nil, delivery: Delivery = .exactlyOnce, stateTopic: String = "flywheel.state",
        repartitionTopic: String = "flywheel.repartition", http: HTTP = HTTP(), sessionTimeout: Duration = .seconds(45),
        maxBatchSize: Int = ServeConfiguration.defaultMaxBatchSize, absenceCheckInterval: Duration = .seconds(1), offsetReset: KafkaConsumerConfiguration.OffsetReset = .earliest,
        brokerCheckInterval: Duration = .seconds(2), fetchMaxWait: Duration = .milliseconds(20)
    ) {
        self.kafka = kafka
        self.groupID = groupID
        self.instanceID = instanceID
        self.inputs = inputs
        self.outputTopics = outputTopics
        self.auditTopic = auditTopic
        self.deadLetterTopic = deadLetterTopic
        self.ruleFiles = ruleFiles
        self.schemasDirectory = schemasDirectory
        self.delivery = delivery
        self.stateTopic = stateTopic
        self.repartitionTopic = repartitionTopic
        self.http = http
        self.sessionTimeout = sessionTimeout
        self.maxBatchSize = maxBatchSize
        self.absenceCheckInterval = absenceCheckInterval
        self.offsetReset = offsetReset
        self.brokerCheckInterval = brokerCheckInterval
        self.fetchMaxWait = fetchMaxWait
    }

    /// The host's name.
    public static var defaultInstanceID: String { ProcessInfo.processInfo.hostName }

    /// Every input topic, in configuration order.
    public var inputTopics: [String] { inputs.flatMap(\.topics) }

    /// Environment variables that override the file's secrets (and, for deployment, the brokers).
    public enum Environment {
        public static let bootstrapServers = "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS"
        public static let saslUsername = "FLYWHEEL_KAFKA_SASL_USERNAME"
        public static let saslPassword = "FLYWHEEL_KAFKA_SASL_PASSWORD"
        public static let tlsKeyPassword = "FLYWHEEL_KAFKA_TLS_KEY_PASSWORD"
        public static let instanceID = "FLYWHEEL_INSTANCE_ID"
        public static let all = [bootstrapServers, saslUsername, saslPassword, tlsKeyPassword, instanceID]
    }
}
