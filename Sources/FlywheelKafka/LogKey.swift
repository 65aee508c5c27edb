/// The structured-logging metadata keys of the Kafka layer, in one place.
enum LogKey {
    static let bootstrapServers = "kafka.bootstrap_servers"
    static let error = "error"
    static let errorName = "kafka.error_name"
    static let retryIn = "retry_in"
    static let librdkafkaFacility = "librdkafka.facility"
    static let topic = "kafka.topic"
    static let partition = "kafka.partition"
    static let offset = "kafka.offset"
    static let partitions = "kafka.partitions"
    static let groupID = "kafka.group_id"
    static let count = "count"
    static let transactionalID = "kafka.transactional_id"
}
