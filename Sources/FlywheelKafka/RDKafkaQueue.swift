internal import CRdKafka

/// Owns an `rd_kafka_queue_t` reference and releases it once.
final class RDKafkaQueue: Sendable {
    // librdkafka queues are thread-safe.
    nonisolated(unsafe) private let queue: OpaquePointer

    init(_ queue: OpaquePointer) {
        self.queue = queue
    }

    deinit {
        rd_kafka_queue_destroy(queue)
    }

    func withQueue<Result>(_ body: (OpaquePointer) throws -> Result) rethrows -> Result {
        try body(queue)
    }
}
