/// How far a consumer is behind the end of one of its assigned partitions.
public struct KafkaPartitionLag: Hashable, Sendable, CustomStringConvertible {
    public var topicPartition: KafkaTopicPartition
    /// The partition's high watermark as the last fetch response gave it; nil before the first one.
    public var highWatermark: Int64?
    /// The offset after the last record (or transaction marker) the consumer handed to the application, or where
    /// it resumes; nil while unknown.
    public var position: Int64?

    public init(topicPartition: KafkaTopicPartition, highWatermark: Int64?, position: Int64?) {
        self.topicPartition = topicPartition
        self.highWatermark = highWatermark
        self.position = position
    }

    /// Records the consumer has not read yet: the high watermark minus the position, never below 0; nil while
    /// either is unknown.
    public var lag: Int64? {
        guard let highWatermark, let position else { return nil }
        return max(0, highWatermark - position)
    }

    public var description: String {
        "\(topicPartition) lag \(lag.map(String.init) ?? "unknown") (high watermark \(highWatermark.map(String.init) ?? "unknown"), position \(position.map(String.init) ?? "unknown"))"
    }
}
