/// Settings of a `KafkaProducer`.
public struct KafkaProducerConfiguration: Sendable {
    /// Which replicas must have a message before it counts as delivered.
    public struct Acks: Hashable, Sendable {
        let value: String
        public static let all = Acks(value: "all")
        public static let leader = Acks(value: "1")
        public static let none = Acks(value: "0")
    }

    /// The codec for message batches.
    public struct Compression: Hashable, Sendable, CustomStringConvertible {
        let value: String
        public var description: String { value }
        public static let none = Compression(value: "none")
        public static let gzip = Compression(value: "gzip")
        public static let snappy = Compression(value: "snappy")
        public static let lz4 = Compression(value: "lz4")
        public static let zstd = Compression(value: "zstd")
        public static let all = [none, gzip, snappy, lz4, zstd]
    }

    public var client: KafkaClientConfiguration
    /// Idempotent delivery: no duplicates and no reordering from the producer's own retries.
    public var isIdempotent: Bool
    public var acks: Acks
    public var compression: Compression
    /// How long messages wait to form a batch.
    public var linger: Duration
    /// How long librdkafka keeps retrying a message before its delivery fails.
    public var deliveryTimeout: Duration
    /// How many messages may wait in the local queue before `send` waits for room.
    public var maxQueuedMessages: Int
    /// How long shutdown waits for queued messages to be delivered.
    public var flushTimeout: Duration

    public init(
        client: KafkaClientConfiguration,
        isIdempotent: Bool = true,
        acks: Acks = .all,
        compression: Compression = .none,
        linger: Duration = .milliseconds(5),
        deliveryTimeout: Duration = .seconds(120),
        maxQueuedMessages: Int = 500_000,
        flushTimeout: Duration = .seconds(10)
    ) {
        self.client = client
        self.isIdempotent = isIdempotent
        self.acks = acks
        self.compression = compression
        self.linger = linger
        self.deliveryTimeout = deliveryTimeout
        self.maxQueuedMessages = maxQueuedMessages
        self.flushTimeout = flushTimeout
    }

    var properties: RDKafkaProperties {
        let properties = client.properties
        // Flywheel's own settings go first, so that additionalProperties can still override them.
        var own = RDKafkaProperties()
        own.set("enable.idempotence", isIdempotent ? "true" : "false", field: "isIdempotent")
        own.set("acks", acks.value, field: "acks")
        own.set("compression.codec", compression.value, field: "compression")
        own.set("linger.ms", String(linger.milliseconds), field: "linger")
        own.set("message.timeout.ms", String(deliveryTimeout.milliseconds), field: "deliveryTimeout")
        own.set("queue.buffering.max.messages", String(maxQueuedMessages), field: "maxQueuedMessages")
        own.set("queue.buffering.max.kbytes", "1048576", field: "maxQueuedMessages")
        return own.merging(properties)
    }
}

extension RDKafkaProperties {
    /// These properties, then every entry of `later` (which wins on the same key).
    func merging(_ later: RDKafkaProperties) -> RDKafkaProperties {
        var merged = self
        for entry in later.entries {
            merged.set(entry.key, entry.value, field: entry.field, isSecret: entry.isSecret)
        }
        return merged
    }
}
