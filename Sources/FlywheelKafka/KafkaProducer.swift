internal import CRdKafka
import Logging
import ServiceLifecycle
import Synchronization

/// Sends messages to Kafka; idempotent by default.
///
/// `send` returns once the broker acknowledged (or finally refused) the messages. As a `Service`, `run()` waits for
/// graceful shutdown and then flushes what is still queued.
public final class KafkaProducer: Service, Sendable {
    let client: RDKafkaClient
    let configuration: KafkaProducerConfiguration
    private let pollThread: RDKafkaPollThread
    private let isClosed = Atomic<Bool>(false)

    /// Creates the producer and waits, as `client.connection.startupTimeout` says, until a broker answers.
    public convenience init(configuration: KafkaProducerConfiguration, logger: Logger) async throws(KafkaError) {
        try self.init(configuration: configuration, properties: configuration.properties, logger: logger)
        try await client.awaitBroker(policy: configuration.client.connection)
    }

    init(configuration: KafkaProducerConfiguration, properties: RDKafkaProperties, logger: Logger) throws(KafkaError) {
        let client = try RDKafkaClient(kind: .producer, properties: properties, logger: logger) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, RDKafkaDeliveryBatch.callback)
        }
        self.client = client
        self.configuration = configuration
        self.pollThread = RDKafkaPollThread(name: "flywheel-producer-poll") {
            client.withHandle { _ = rd_kafka_poll($0, 100) }
            return true
        }
    }

    deinit {
        pollThread.stop()
    }

    /// Sends one message and returns where it landed.
    @discardableResult
    public func send(_ message: KafkaProducerMessage) async throws(KafkaError) -> KafkaDeliveryReport {
        try await send([message])[0]
    }

    /// Sends the messages and returns where each landed, in order; throws the first failure once all are settled.
    @discardableResult
    public func send(_ messages: [KafkaProducerMessage]) async throws(KafkaError) -> [KafkaDeliveryReport] {
        let batch = try await enqueueAll(messages)
        var reports: [KafkaDeliveryReport] = []
        reports.reserveCapacity(messages.count)
        for index in messages.indices {
            switch batch.result(at: index) {
            case .success(let report): reports.append(report)
            case .failure(var error):
                error.reason += " (message \(index + 1) of \(messages.count))"
                throw error
            }
        }
        return reports
    }

    /// Sends the messages and returns each one's outcome, in order.
    public func deliver(_ messages: [KafkaProducerMessage]) async throws(KafkaError) -> [Result<KafkaDeliveryReport, KafkaError>] {
        let batch = try await enqueueAll(messages)
        return messages.indices.map { batch.result(at: $0) }
    }

    /// Hands every message to librdkafka's queue, waiting while the queue is full, then waits for all reports.
    private func enqueueAll(_ messages: [KafkaProducerMessage]) async throws(KafkaError) -> RDKafkaDeliveryBatch {
        guard !isClosed.load(ordering: .relaxed) else {
            throw KafkaError(code: .shutdown, reason: "the producer is shut down")
        }
        let batch = RDKafkaDeliveryBatch(messages: messages)
        var topics = RDKafkaTopicHandles(client: client)
        var index = messages.startIndex
        while index < messages.endIndex {
            let message = messages[index]
            let err = topics.withTopic(message.topic) { handle, topic in
                RDKafkaProduce.produce(handle, topic, message, opaque: batch.opaque(for: index))
            }
            switch err {
            case RD_KAFKA_RESP_ERR_NO_ERROR:
                index += 1
            case RD_KAFKA_RESP_ERR__QUEUE_FULL where !isClosed.load(ordering: .relaxed) && !Task.isCancelled:
                // The poll thread drains the queue as reports arrive; wait a little without holding a thread.
                try? await Task.sleep(for: .milliseconds(1))
            case RD_KAFKA_RESP_ERR__QUEUE_FULL:
                // Shut down or cancelled while waiting for room: what is not queued yet is not sent.
                for rest in index..<messages.endIndex {
                    batch.complete(index: rest, partition: messages[rest].partition ?? -1, offset: -1, err: RD_KAFKA_RESP_ERR__DESTROY)
                }
                index = messages.endIndex
            default:
                batch.complete(index: index, partition: message.partition ?? -1, offset: -1, err: err)
                index += 1
            }
        }
        await batch.wait()
        return batch
    }

    /// Waits until every queued message is delivered or `timeout` passes.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let milliseconds = Int32(timeout.milliseconds)
        let err = await client.runBlocking { rd_kafka_flush($0, milliseconds) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .rd(err, code: .delivery, context: "flush did not finish within \(timeout)")
        }
    }

    /// Waits for graceful shutdown (or cancellation), then flushes and stops.
    public func run() async throws {
        await ShutdownLatch().wait()
        try await shutdown()
    }

    /// Refuses new messages and flushes queued ones for up to `flushTimeout`; what is still undelivered then is
    /// purged, so every pending `send` returns (with an error for those messages) before the poll thread stops.
    public func shutdown() async throws(KafkaError) {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        defer { pollThread.stop() }
        do {
            try await flush(timeout: configuration.flushTimeout)
        } catch {
            let remaining = await client.runBlocking { handle -> Int32 in
                _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                // Purged messages get their delivery reports from the next polls.
                while rd_kafka_outq_len(handle) > 0, rd_kafka_flush(handle, 100) == RD_KAFKA_RESP_ERR__TIMED_OUT {}
                return rd_kafka_outq_len(handle)
            }
            client.logger.warning(
                "Producer shut down with undelivered messages; they were purged",
                metadata: [LogKey.count: "\(remaining)", LogKey.error: "\(error)"])
            throw error
        }
    }
}
