/// An error from Flywheel's Kafka client layer.
///
/// `reason` names the place: the configuration field, the topic/partition/offset, or the broker address.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case configuration
            case unsupportedLibrary
            case connection
            case delivery
            case consumer
            case commit
            case transaction
            case admin
            case topicAlreadyExists
            case unknownTopic
            case shutdown
            case embeddedBroker
        }

        fileprivate let base: Base

        /// A configuration value was rejected (by Flywheel or by librdkafka).
        public static let configuration = Code(base: .configuration)
        /// The linked librdkafka is too old or lacks a required feature.
        public static let unsupportedLibrary = Code(base: .unsupportedLibrary)
        /// The brokers could not be reached.
        public static let connection = Code(base: .connection)
        /// A produced message was not delivered.
        public static let delivery = Code(base: .delivery)
        /// The consumer failed.
        public static let consumer = Code(base: .consumer)
        /// Committing offsets failed.
        public static let commit = Code(base: .commit)
        /// A transactional operation failed; see `requiresAbort` and `isFatal`.
        public static let transaction = Code(base: .transaction)
        /// An admin request failed.
        public static let admin = Code(base: .admin)
        /// A topic to be created exists already.
        public static let topicAlreadyExists = Code(base: .topicAlreadyExists)
        /// A topic or partition does not exist.
        public static let unknownTopic = Code(base: .unknownTopic)
        /// The client is shutting down or closed.
        public static let shutdown = Code(base: .shutdown)
        /// The embedded (mock) broker failed.
        public static let embeddedBroker = Code(base: .embeddedBroker)

        public var description: String { String(describing: base) }
    }

    public var code: Code
    /// A human explanation that names the place of the failure.
    public var reason: String
    /// librdkafka's error name (`_MSG_TIMED_OUT`, `TOPIC_ALREADY_EXISTS`, ...) when librdkafka reported it.
    public var librdkafkaErrorName: String?
    /// Retrying the same operation may succeed.
    public var isRetriable: Bool
    /// The client instance cannot be used any more and must be recreated.
    public var isFatal: Bool
    /// The current transaction must be aborted before anything else is done.
    public var requiresAbort: Bool

    public init(
        code: Code,
        reason: String,
        librdkafkaErrorName: String? = nil,
        isRetriable: Bool = false,
        isFatal: Bool = false,
        requiresAbort: Bool = false
    ) {
        self.code = code
        self.reason = reason
        self.librdkafkaErrorName = librdkafkaErrorName
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.requiresAbort = requiresAbort
    }

    public var description: String {
        var text = "Kafka \(code) error: \(reason)"
        if let librdkafkaErrorName { text += " [\(librdkafkaErrorName)]" }
        var flags: [String] = []
        if isRetriable { flags.append("retriable") }
        if isFatal { flags.append("fatal") }
        if requiresAbort { flags.append("abort the transaction") }
        if !flags.isEmpty { text += " (\(flags.joined(separator: ", ")))" }
        return text
    }
}
