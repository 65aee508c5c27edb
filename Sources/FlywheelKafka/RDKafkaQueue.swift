internal import CRdKafka

/// Owns an `rd_kafka_queue_t` reference and releases it once, before its client can be destroyed.
final class RDKafkaQueue: Sendable {
    // librdkafka queues are thread-safe.
    nonisolated(unsafe) private let queue: OpaquePointer
    /// rd_kafka_destroy blocks while a queue reference is alive: the client must outlive the queue.
    private let client: RDKafkaClient

    init(_ queue: OpaquePointer, client: RDKafkaClient) {
        self.queue = queue
        self.client = client
    }

    deinit {
        rd_kafka_queue_destroy(queue)
    }

    func withQueue<Result>(_ body: (OpaquePointer) throws -> Result) rethrows -> Result {
        try body(queue)
    }
}
