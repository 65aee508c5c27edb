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

    /// `messages` in order, in batches of at most `maxBytes` bytes each (a larger message alone), with their byte
    /// counts; none if there are no messages.
    static func batches(of messages: [KafkaConsumerMessage], maxBytes: Int) -> [(messages: [KafkaConsumerMessage], bytes: Int)] {
        let total = byteCount(of: messages)
        guard total > maxBytes else { return messages.isEmpty ? [] : [(messages, total)] }
        var batches: [(messages: [KafkaConsumerMessage], bytes: Int)] = []
        var batch: [KafkaConsumerMessage] = []
        var bytes = 0
        for message in messages {
            let size = message.byteCount
            if !batch.isEmpty, bytes + size > maxBytes {
                batches.append((batch, bytes))
                batch = []
                bytes = 0
            }
            batch.append(message)
            bytes += size
        }
        batches.append((batch, bytes))
        return batches
    }

    /// The bytes the messages hold, as `byteCount` counts them.
    static func byteCount(of messages: [KafkaConsumerMessage]) -> Int {
        messages.reduce(0) { $0 + $1.byteCount }
    }

    /// The bytes the message holds: its key, value and header values, as batch and buffer limits count them.
    public var byteCount: Int {
        var count = (key?.count ?? 0) + (value?.count ?? 0)
        for header in headers { count += header.key.utf8.count + (header.value?.count ?? 0) }
        return count
    }

    /// Where this message is: `topic/partition@offset`, as error messages and dead-letter headers name it.
    public var coordinates: String { "\(topic)/\(partition)@\(offset)" }

    public var description: String { "KafkaConsumerMessage(\(coordinates), \(value?.count ?? 0) bytes)" }
}
