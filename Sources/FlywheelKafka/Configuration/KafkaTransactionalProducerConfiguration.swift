/// Settings of a `KafkaTransactionalProducer`.
public struct KafkaTransactionalProducerConfiguration: Sendable {
    /// Idempotence is forced on: transactions need it.
    public var producer: KafkaProducerConfiguration
    /// Stable across restarts of the same logical producer, so that a restarted instance fences its predecessor.
    public var transactionalID: String
    /// The broker aborts a transaction left open longer than this.
    public var transactionTimeout: Duration
    /// How long init, commit and abort may take.
    public var operationTimeout: Duration

    public init(
        producer: KafkaProducerConfiguration,
        transactionalID: String,
        transactionTimeout: Duration = .seconds(60),
        operationTimeout: Duration = .seconds(30)
    ) {
        self.producer = producer
        self.transactionalID = transactionalID
        self.transactionTimeout = transactionTimeout
        self.operationTimeout = operationTimeout
    }

    var properties: RDKafkaProperties {
        var properties = producer.properties
        properties.set("enable.idempotence", "true", field: "producer.isIdempotent")
        properties.set("transactional.id", transactionalID, field: "transactionalID")
        properties.set("transaction.timeout.ms", String(transactionTimeout.milliseconds), field: "transactionTimeout")
        // librdkafka requires a message to time out no later than its transaction.
        if producer.deliveryTimeout > transactionTimeout {
            properties.set("message.timeout.ms", String(transactionTimeout.milliseconds), field: "producer.deliveryTimeout")
        }
        return properties
    }
}
