internal import CRdKafka
import Logging

/// An in-process Kafka cluster (librdkafka's mock cluster) for demos and fault-injection tests.
///
/// It speaks the Kafka protocol on loopback, keeps everything in memory, and lives as long as this object.
/// Topics are created on first use with 4 partitions unless created explicitly.
public final class KafkaEmbeddedBroker: Sendable {
    /// A Kafka protocol request type, by its API key.
    public struct APIKey: Hashable, Sendable {
        public let value: Int16
        public init(_ value: Int16) { self.value = value }
        public static let produce = APIKey(0)
        public static let fetch = APIKey(1)
        public static let listOffsets = APIKey(2)
        public static let metadata = APIKey(3)
        public static let offsetCommit = APIKey(8)
        public static let offsetFetch = APIKey(9)
        public static let findCoordinator = APIKey(10)
        public static let joinGroup = APIKey(11)
        public static let heartbeat = APIKey(12)
        public static let syncGroup = APIKey(14)
        public static let initProducerID = APIKey(22)
        public static let addPartitionsToTransaction = APIKey(24)
        public static let endTransaction = APIKey(26)
    }

    /// A Kafka protocol error code to inject.
    public struct ProtocolError: Hashable, Sendable {
        public let value: Int32
        public init(_ value: Int32) { self.value = value }
        public static let leaderNotAvailable = ProtocolError(5)
        public static let notLeaderForPartition = ProtocolError(6)
        public static let requestTimedOut = ProtocolError(7)
        public static let coordinatorNotAvailable = ProtocolError(15)
        public static let notCoordinator = ProtocolError(16)
        public static let notEnoughReplicas = ProtocolError(19)
        public static let notEnoughReplicasAfterAppend = ProtocolError(20)
        public static let topicAuthorizationFailed = ProtocolError(29)
    }

    // The mock cluster runs on the threads of this handle.
    private let client: RDKafkaClient
    // Owned by this object, destroyed in deinit; the mock API is thread-safe (it posts to the cluster's thread).
    nonisolated(unsafe) private let cluster: OpaquePointer
    /// The `host:port` list to give clients.
    public let bootstrapServers: String
    public let brokerCount: Int

    public init(brokers: Int = 1, logger: Logger) throws(KafkaError) {
        var properties = RDKafkaProperties()
        properties.set("client.id", "flywheel-embedded-broker", field: "embeddedBroker")
        properties.set("log_level", "3", field: "embeddedBroker")
        client = try RDKafkaClient(kind: .producer, properties: properties, logger: logger)
        guard let cluster = client.withHandle({ rd_kafka_mock_cluster_new($0, Int32(brokers)) }) else {
            throw KafkaError(code: .embeddedBroker, reason: "cannot start the embedded Kafka cluster")
        }
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        // Groups form at once instead of after the broker's default 3 s wait.
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0)
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// A client configuration pointing at this cluster.
    public var clientConfiguration: KafkaClientConfiguration {
        KafkaClientConfiguration(bootstrapServers: [bootstrapServers])
    }

    public func createTopic(_ name: String, partitions: Int = 4, replicationFactor: Int = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .rd(err, code: .embeddedBroker, context: "cannot create topic \(name) on the embedded broker")
        }
    }

    /// The next requests of this type fail with these errors, one each, in order.
    public func pushRequestErrors(_ api: APIKey, _ errors: [ProtocolError]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.value) }
        codes.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(cluster, api.value, $0.count, $0.baseAddress)
        }
    }

    /// Stops a broker (ids start at 1): its connections close and new ones are refused until `setBrokerUp`.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_down(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rd(err, code: .embeddedBroker, context: "broker \(id) down") }
    }

    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_up(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rd(err, code: .embeddedBroker, context: "broker \(id) up") }
    }

    /// Delays every response of a broker.
    public func setRoundTripTime(broker id: Int32, _ delay: Duration) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_rtt(cluster, id, Int32(delay.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rd(err, code: .embeddedBroker, context: "broker \(id) rtt") }
    }
}
