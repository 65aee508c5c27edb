/// Settings of a `KafkaPartitionReader`.
public struct KafkaPartitionReaderConfiguration: Sendable {
    public var client: KafkaClientConfiguration
    /// `.readCommitted` (the default) reads up to the last stable offset and skips messages of open transactions.
    public var isolationLevel: KafkaConsumerConfiguration.IsolationLevel

    public init(
        client: KafkaClientConfiguration,
        isolationLevel: KafkaConsumerConfiguration.IsolationLevel = .readCommitted
    ) {
        self.client = client
        self.isolationLevel = isolationLevel
    }

    /// The librdkafka properties of a reader; `groupID` is a throwaway that librdkafka needs to assign partitions.
    func properties(groupID: String) -> RDKafkaProperties {
        var own = RDKafkaProperties()
        own.set("group.id", groupID, field: "KafkaPartitionReader")
        // The reader never joins the group and never commits: it assigns partitions at offsets it is given.
        own.set("enable.auto.commit", "false", field: "KafkaPartitionReader")
        own.set("enable.auto.offset.store", "false", field: "KafkaPartitionReader")
        own.set("enable.partition.eof", "true", field: "KafkaPartitionReader")
        // Reading a missing topic is an error; it must not create the topic.
        own.set("allow.auto.create.topics", "false", field: "KafkaPartitionReader")
        // A start offset outside the log fails the read instead of silently reading from somewhere else.
        own.set("auto.offset.reset", "error", field: "KafkaPartitionReader")
        // The end of a partition shows as an empty fetch; the broker holds one for up to this long (default 500 ms).
        own.set("fetch.wait.max.ms", "100", field: "KafkaPartitionReader")
        // A large partition fills the prefetch queue; librdkafka's default pause of 1 s would then stall the read.
        own.set("fetch.queue.backoff.ms", "10", field: "KafkaPartitionReader")
        own.set("isolation.level", isolationLevel.value, field: "isolationLevel")
        return own.merging(client.properties)
    }
}
