internal import CRdKafka
import Logging
import ServiceLifecycle

/// A producer whose messages and consumer offsets commit or abort together: exactly-once consume-transform-produce.
///
/// One transaction at a time: call the methods from one task.
public final class KafkaTransactionalProducer: Service, Sendable {
    private let producer: KafkaProducer
    private let configuration: KafkaTransactionalProducerConfiguration

    /// Creates the producer, waits for a broker, and registers the transactional id (fencing older instances).
    public init(configuration: KafkaTransactionalProducerConfiguration, logger: Logger) async throws(KafkaError) {
        var logger = logger
        logger[metadataKey: LogKey.transactionalID] = "\(configuration.transactionalID)"
        self.producer = try KafkaProducer(
            configuration: configuration.producer, properties: configuration.properties, logger: logger)
        self.configuration = configuration
        try await producer.client.awaitBroker(policy: configuration.producer.client.connection)
        let timeout = Int32(configuration.operationTimeout.milliseconds)
        try await transactional("initialising transactions") { rd_kafka_init_transactions($0, timeout) }
    }

    public func beginTransaction() throws(KafkaError) {
        if let error = producer.client.withHandle({ rd_kafka_begin_transaction($0) }) {
            throw KafkaError.consuming(error, code: .transaction, context: "beginning a transaction")
        }
    }

    /// Sends messages inside the open transaction and waits for their delivery reports.
    @discardableResult
    public func send(_ messages: [KafkaProducerMessage]) async throws(KafkaError) -> [KafkaDeliveryReport] {
        try await producer.send(messages)
    }

    /// Adds the consumer's next offsets (last processed offset + 1) to the open transaction.
    public func sendOffsets(_ offsets: [KafkaTopicPartitionOffset], group: KafkaConsumerGroupMetadata) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let timeout = Int32(configuration.operationTimeout.milliseconds)
        try await transactional("sending consumer offsets to the transaction") { handle in
            RDKafkaTopicPartitionList.with(offsets) { list in
                group.withPointer { rd_kafka_send_offsets_to_transaction(handle, list, $0, timeout) }
            }
        }
    }

    /// Commits; a retriable failure (the commit goes on in the background) is retried until `operationTimeout`.
    public func commitTransaction() async throws(KafkaError) {
        let timeout = Int32(configuration.operationTimeout.milliseconds)
        let deadline = ContinuousClock.now.advanced(by: configuration.operationTimeout)
        while true {
            do {
                try await transactional("committing the transaction") { rd_kafka_commit_transaction($0, timeout) }
                return
            } catch where error.isRetriable && !error.requiresAbort && !error.isFatal && ContinuousClock.now < deadline {
                producer.client.logger.warning("Transaction commit not confirmed yet, retrying", metadata: [LogKey.error: "\(error)"])
            }
        }
    }

    public func abortTransaction() async throws(KafkaError) {
        let timeout = Int32(configuration.operationTimeout.milliseconds)
        try await transactional("aborting the transaction") { rd_kafka_abort_transaction($0, timeout) }
    }

    /// Runs `body` in a transaction: commits when it returns; aborts when it throws or the commit requires it.
    ///
    /// Always throws the error that ended the transaction; a failing abort is logged. A fatal error means this
    /// producer was fenced or broken and must be recreated.
    public func withTransaction<Result: Sendable>(
        _ body: (KafkaTransactionalProducer) async throws -> Result
    ) async throws -> Result {
        try beginTransaction()
        let result: Result
        do {
            result = try await body(self)
        } catch {
            if (error as? KafkaError)?.isFatal != true { await abortLoggingFailure(after: error) }
            throw error
        }
        do {
            try await commitTransaction()
        } catch {
            if error.requiresAbort { await abortLoggingFailure(after: error) }
            throw error
        }
        return result
    }

    private func abortLoggingFailure(after cause: any Error) async {
        do {
            try await abortTransaction()
        } catch {
            producer.client.logger.error(
                "Aborting the transaction failed", metadata: [LogKey.error: "\(error)", "cause": "\(cause)"])
        }
    }

    /// Waits for graceful shutdown, then flushes.
    public func run() async throws {
        try await producer.run()
    }

    /// Flushes and stops now, for owners that end the producer themselves after their last transaction.
    public func shutdown() async throws(KafkaError) {
        try await producer.shutdown()
    }

    private func transactional(
        _ context: String, _ call: @escaping @Sendable (OpaquePointer) -> OpaquePointer?
    ) async throws(KafkaError) {
        let transactionalID = configuration.transactionalID
        let error: KafkaError? = await producer.client.runBlocking { handle in
            call(handle).map { .consuming($0, code: .transaction, context: "\(context) (transactional id \(transactionalID))") }
        }
        if let error { throw error }
    }
}
