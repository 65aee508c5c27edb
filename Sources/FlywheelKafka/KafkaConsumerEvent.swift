/// What a `KafkaConsumer` hands the application, in the order it happened.
///
/// Kafka's group protocol knows exactly these three rebalance outcomes, so this set is closed.
public enum KafkaConsumerEvent: Sendable, Hashable {
    /// The next messages, in offset order per partition.
    case messages([KafkaConsumerMessage])
    /// These partitions are now this consumer's; restore their state before their messages arrive.
    case partitionsAssigned([KafkaTopicPartition])
    /// These partitions are being taken away; the rebalance waits until the application asks for the next event,
    /// so flush their state before doing so. Stored offsets are committed right after.
    case partitionsRevoked([KafkaTopicPartition])
    /// These partitions were lost (the session expired); another member may own them already, nothing is committed.
    case partitionsLost([KafkaTopicPartition])
}

/// The events of one `KafkaConsumer`; iterate it from one task only.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent
    let buffer: KafkaConsumerBuffer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let lease: KafkaConsumerBuffer.ReaderLease

        public mutating func next() async throws -> KafkaConsumerEvent? {
            try await lease.buffer.next()
        }
    }

    /// A loop that stops iterating (`break`, an error) releases its iterator; shutdown then waits for it no longer.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lease: KafkaConsumerBuffer.ReaderLease(buffer: buffer))
    }
}
