/// Settings of a `KafkaConsumer`.
public struct KafkaConsumerConfiguration: Sendable {
    /// Where a group starts on a partition that has no committed offset.
    public struct OffsetReset: Hashable, Sendable {
        let value: String
        public static let earliest = OffsetReset(value: "earliest")
        public static let latest = OffsetReset(value: "latest")
        /// Fail instead of guessing.
        public static let error = OffsetReset(value: "error")
    }

    /// Whether messages of open or aborted transactions are returned.
    public struct IsolationLevel: Hashable, Sendable {
        let value: String
        public static let readCommitted = IsolationLevel(value: "read_committed")
        public static let readUncommitted = IsolationLevel(value: "read_uncommitted")
    }

    /// How the group spreads partitions over its members.
    public struct AssignmentStrategy: Hashable, Sendable {
        let value: String
        /// Incremental rebalancing: members keep their partitions while others join or leave.
        public static let cooperativeSticky = AssignmentStrategy(value: "cooperative-sticky")
        public static let range = AssignmentStrategy(value: "range")
        public static let roundRobin = AssignmentStrategy(value: "roundrobin")
    }

    public var client: KafkaClientConfiguration
    public var groupID: String
    public var topics: [String]
    public var offsetReset: OffsetReset
    public var isolationLevel: IsolationLevel
    public var assignmentStrategy: AssignmentStrategy
    /// How often stored offsets are committed in the background; they are also committed on revocation and close.
    public var commitInterval: Duration
    public var sessionTimeout: Duration
    /// The longest the application may take between two batches before it leaves the group; it is also how long
    /// the group waits for members in a rebalance. While the hand-over buffer is full nothing is fetched or
    /// polled, so `bufferCapacity` messages must be processed within this time.
    public var maxPollInterval: Duration
    /// How long a revocation waits for the application to finish the revoked partitions before committing anyway;
    /// shorter than `maxPollInterval`, so the member is still in the group when it commits.
    public var revocationTimeout: Duration
    /// The most messages in one `.messages` event.
    public var maxBatchSize: Int
    /// The most bytes (keys, values and header values) in one `.messages` event; one message larger than this
    /// comes alone.
    public var maxBatchBytes: Int = 32 << 20
    /// The most messages held between librdkafka and the application; fetching pauses while it is full.
    public var bufferCapacity: Int
    /// The most bytes held between librdkafka and the application (as `maxBatchBytes` counts them); fetching pauses
    /// while they are reached, so large records bound memory as small ones do.
    public var bufferCapacityBytes: Int = 64 << 20
    /// On graceful shutdown, how long to wait for the application to process what was already fetched.
    public var shutdownDrainTimeout: Duration
    /// Topics a partition of which, with no committed offset for the group, is read from its beginning whatever
    /// `offsetReset` says: topics whose every record is meant for this group (a repartition topic it writes itself).
    public var readFromBeginning: Set<String> = []
    /// The longest a broker may hold a fetch request while it has no new records (librdkafka's
    /// `fetch.wait.max.ms`). Brokers that answer only when it expires add up to this to every record's latency.
    public var fetchMaxWait: Duration
    /// How long librdkafka pauses fetching a partition while its prefetch queue is above its thresholds
    /// (`fetch.queue.backoff.ms`). librdkafka's default of 1 s starves a consumer that empties the queue faster than
    /// that: at 150,000 records/s it did, for a quarter of the time.
    public var fetchQueueBackoff: Duration = .milliseconds(10)

    public init(
        client: KafkaClientConfiguration,
        groupID: String,
        topics: [String],
        offsetReset: OffsetReset = .earliest,
        isolationLevel: IsolationLevel = .readCommitted,
        assignmentStrategy: AssignmentStrategy = .cooperativeSticky,
        commitInterval: Duration = .seconds(5),
        sessionTimeout: Duration = .seconds(45),
        maxPollInterval: Duration = .seconds(300),
        revocationTimeout: Duration = .seconds(30),
        maxBatchSize: Int = 1000,
        bufferCapacity: Int = 20_000,
        shutdownDrainTimeout: Duration = .seconds(10),
        fetchMaxWait: Duration = .milliseconds(500)
    ) {
        self.client = client
        self.groupID = groupID
        self.topics = topics
        self.offsetReset = offsetReset
        self.isolationLevel = isolationLevel
        self.assignmentStrategy = assignmentStrategy
        self.commitInterval = commitInterval
        self.sessionTimeout = sessionTimeout
        self.maxPollInterval = maxPollInterval
        self.revocationTimeout = revocationTimeout
        self.maxBatchSize = maxBatchSize
        self.bufferCapacity = bufferCapacity
        self.shutdownDrainTimeout = shutdownDrainTimeout
        self.fetchMaxWait = fetchMaxWait
    }

    func validate() throws(KafkaError) {
        if groupID.isEmpty { throw KafkaError(code: .configuration, reason: "configuration field groupID is empty") }
        if topics.isEmpty { throw KafkaError(code: .configuration, reason: "configuration field topics is empty") }
        if maxBatchSize < 1 {
            throw KafkaError(code: .configuration, reason: "configuration field maxBatchSize must be at least 1")
        }
        if revocationTimeout >= maxPollInterval {
            throw KafkaError(
                code: .configuration, reason: "configuration field revocationTimeout must be shorter than maxPollInterval")
        }
        if bufferCapacity < maxBatchSize {
            throw KafkaError(
                code: .configuration, reason: "configuration field bufferCapacity must be at least maxBatchSize")
        }
        if maxBatchBytes < 1 {
            throw KafkaError(code: .configuration, reason: "configuration field maxBatchBytes must be at least 1")
        }
        if bufferCapacityBytes < maxBatchBytes {
            throw KafkaError(
                code: .configuration, reason: "configuration field bufferCapacityBytes must be at least maxBatchBytes")
        }
    }

    var properties: RDKafkaProperties {
        var own = RDKafkaProperties()
        own.set("group.id", groupID, field: "groupID")
        own.set("enable.auto.commit", "true", field: "commitInterval")
        own.set("auto.commit.interval.ms", String(commitInterval.milliseconds), field: "commitInterval")
        // Offsets are stored by the application after processing, never when librdkafka hands a message out.
        own.set("enable.auto.offset.store", "false", field: "commitInterval")
        own.set("auto.offset.reset", offsetReset.value, field: "offsetReset")
        own.set("isolation.level", isolationLevel.value, field: "isolationLevel")
        own.set("partition.assignment.strategy", assignmentStrategy.value, field: "assignmentStrategy")
        own.set("session.timeout.ms", String(sessionTimeout.milliseconds), field: "sessionTimeout")
        own.set(
            "heartbeat.interval.ms", String(max(100, min(3000, sessionTimeout.milliseconds / 3))),
            field: "sessionTimeout")
        own.set("max.poll.interval.ms", String(maxPollInterval.milliseconds), field: "maxPollInterval")
        own.set("enable.partition.eof", "false", field: "topics")
        own.set("fetch.wait.max.ms", String(fetchMaxWait.milliseconds), field: "fetchMaxWait")
        own.set("fetch.queue.backoff.ms", String(fetchQueueBackoff.milliseconds), field: "fetchQueueBackoff")
        return own.merging(client.properties)
    }
}
