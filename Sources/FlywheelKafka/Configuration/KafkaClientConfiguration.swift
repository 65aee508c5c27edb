/// Settings every Flywheel Kafka client shares: where the brokers are, who we are, how we authenticate.
public struct KafkaClientConfiguration: Sendable {
    /// `host:port` of one or more brokers to bootstrap from.
    public var bootstrapServers: [String]
    public var clientID: String
    public var security: KafkaSecurity
    public var connection: KafkaConnectionPolicy
    /// librdkafka debug contexts (`broker`, `cgrp`, `topic`, `fetch`, `eos`, `all`, ...), logged at debug level.
    public var debugContexts: [String]
    /// Any other librdkafka property, applied last; see librdkafka's CONFIGURATION.md.
    public var additionalProperties: [String: String]

    public init(
        bootstrapServers: [String],
        clientID: String = "flywheel",
        security: KafkaSecurity = .plaintext,
        connection: KafkaConnectionPolicy = KafkaConnectionPolicy(),
        debugContexts: [String] = [],
        additionalProperties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.security = security
        self.connection = connection
        self.debugContexts = debugContexts
        self.additionalProperties = additionalProperties
    }
}

/// How a client reaches the brokers at start and after losing them.
public struct KafkaConnectionPolicy: Sendable {
    /// How long a new client retries, with backoff, to reach a broker before it fails with a `.connection` error;
    /// `nil` starts without waiting for a broker (librdkafka then retries in the background for ever).
    public var startupTimeout: Duration?
    /// The first wait between reconnection attempts; it doubles up to `reconnectBackoffMax`.
    public var reconnectBackoff: Duration
    public var reconnectBackoffMax: Duration
    /// Timeout of a single network request.
    public var requestTimeout: Duration

    public init(
        startupTimeout: Duration? = .seconds(30),
        reconnectBackoff: Duration = .milliseconds(100),
        reconnectBackoffMax: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(30)
    ) {
        self.startupTimeout = startupTimeout
        self.reconnectBackoff = reconnectBackoff
        self.reconnectBackoffMax = reconnectBackoffMax
        self.requestTimeout = requestTimeout
    }
}

extension KafkaClientConfiguration {
    /// The librdkafka properties, each with the configuration field it comes from.
    var properties: RDKafkaProperties {
        var properties = RDKafkaProperties()
        properties.set("bootstrap.servers", bootstrapServers.joined(separator: ","), field: "bootstrapServers")
        properties.set("client.id", clientID, field: "clientID")
        properties.set(
            "reconnect.backoff.ms", String(reconnectBackoffMilliseconds), field: "connection.reconnectBackoff")
        properties.set(
            "reconnect.backoff.max.ms", String(connection.reconnectBackoffMax.milliseconds),
            field: "connection.reconnectBackoffMax")
        properties.set(
            "socket.timeout.ms", String(connection.requestTimeout.milliseconds), field: "connection.requestTimeout")
        if !debugContexts.isEmpty {
            properties.set("debug", debugContexts.joined(separator: ","), field: "debugContexts")
        }
        security.apply(to: &properties)
        for (key, value) in additionalProperties.sorted(by: { $0.key < $1.key }) {
            properties.set(key, value, field: "additionalProperties[\"\(key)\"]")
        }
        return properties
    }

    private var reconnectBackoffMilliseconds: Int { max(1, connection.reconnectBackoff.milliseconds) }
}
