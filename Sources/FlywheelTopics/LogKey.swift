/// The structured-logging metadata keys of the topics module.
enum LogKey {
    static let topic = "kafka.topic"
    static let partitions = "kafka.partitions"
}
