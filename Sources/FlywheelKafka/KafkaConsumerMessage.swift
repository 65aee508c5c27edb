/// A record read from Kafka.
public struct KafkaConsumerMessage: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the Unix epoch (create or log-append time, as the topic says); `nil` when unknown.
    public var timestampMilliseconds: Int64?

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = [],
        timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    /// Where this message is: `topic/partition@offset`, as error messages and dead-letter headers name it.
    public var coordinates: String { "\(topic)/\(partition)@\(offset)" }

    public var description: String { "KafkaConsumerMessage(\(coordinates), \(value?.count ?? 0) bytes)" }
}
