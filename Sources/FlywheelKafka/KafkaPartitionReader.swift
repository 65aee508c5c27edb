internal import CRdKafka
import Logging
import Synchronization

/// Reads a partition from an offset to its end, outside any consumer group: for restoring state from a changelog.
///
/// The reader assigns the one partition it reads, commits nothing and joins no group. Its calls run one after
/// another on a blocking queue of its own, never on Swift's cooperative pool; a call waits for the one before it.
public final class KafkaPartitionReader: Sendable {
    fileprivate static let maxBatchSize = 1000

    private let client: RDKafkaClient
    private let queue: RDKafkaQueue
    private let isClosed = Atomic<Bool>(false)

    /// Creates the reader and waits, as `client.connection.startupTimeout` says, until a broker answers.
    public init(configuration: KafkaPartitionReaderConfiguration, logger: Logger) async throws(KafkaError) {
        // librdkafka assigns partitions only in a consumer with a group id; this one never joins its group.
        let groupID = "flywheel-partition-reader-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        let client = try RDKafkaClient(kind: .consumer, properties: configuration.properties(groupID: groupID), logger: logger)
        // Wait for a broker while the main queue can still be served by rd_kafka_poll, then hand it to the consumer.
        try await client.awaitBroker(policy: configuration.client.connection)
        let queue = try client.withHandle { (handle) throws(KafkaError) -> OpaquePointer in
            let err = rd_kafka_poll_set_consumer(handle)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rd(err, code: .consumer, context: "cannot start the partition reader") }
            guard let queue = rd_kafka_queue_get_consumer(handle) else {
                throw KafkaError(code: .consumer, reason: "cannot start the partition reader: no consumer queue")
            }
            return queue
        }
        self.client = client
        self.queue = RDKafkaQueue(queue, client: client)
    }

    /// The messages of a partition from `offset` (its beginning if nil) to its end, in order.
    ///
    /// The end is where fetching catches up with the high watermark, or with `.readCommitted` the last stable
    /// offset: messages of open transactions, and all after them, are not returned, and neither are control records
    /// (nor aborted transactions' messages, where the broker lists them in fetch responses). A start offset below the
    /// partition's first one reads from the first; one at the end returns `[]`, one past it fails. The read fails
    /// if `timeout` passes without progress (a message, or the end); a missing topic or partition fails with
    /// `.unknownTopic`.
    public func readToEnd(
        topic: String, partition: Int32, from offset: Int64? = nil, timeout: Duration = .seconds(60)
    ) async throws(KafkaError) -> [KafkaConsumerMessage] {
        let collected = Mutex<[KafkaConsumerMessage]>([])
        do {
            _ = try await read(topic: topic, partition: partition, from: offset, timeout: timeout) { batch in
                collected.withLock { $0 += batch }
            }
        } catch let error as KafkaError {
            throw error
        } catch {
            preconditionFailure("collecting messages cannot fail: \(error)")
        }
        return collected.withLock { messages in
            defer { messages = [] }
            return messages
        }
    }

    /// Reads a partition like `readToEnd`, handing its messages to `body` a batch at a time, in order, as they come,
    /// so that a large partition is never held whole; returns how many there were. `body` runs on the reader's
    /// own thread while the caller waits; an error it throws ends the read and is thrown here.
    public func read(
        topic: String, partition: Int32, from offset: Int64? = nil, timeout: Duration = .seconds(60),
        _ body: @escaping @Sendable ([KafkaConsumerMessage]) throws -> Void
    ) async throws -> Int {
        try checkOpen()
        let read = PartitionRead(
            topicPartition: KafkaTopicPartition(topic: topic, partition: partition), startOffset: offset, timeout: timeout)
        let client = self.client
        let queue = self.queue
        let stop = StopRequest(reader: self)
        let result: Result<Int, any Error> = await withTaskCancellationHandler {
            await client.runBlocking { handle in
                queue.withQueue { read.run(handle, queue: $0, client: client, stop: stop, deliver: body) }
            }
        } onCancel: {
            stop.cancel()
        }
        return try result.get()
    }

    /// The low and high watermarks of a partition, as the broker answers a ListOffsets request.
    ///
    /// With `.readCommitted`, high is the last stable offset. Tansu 0.6.0 answers a high watermark below the end
    /// of the log; `readToEnd` does not rely on it.
    public func watermarks(topic: String, partition: Int32, timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> (low: Int64, high: Int64)
    {
        try checkOpen()
        let topicPartition = KafkaTopicPartition(topic: topic, partition: partition)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let result: Result<PartitionRead.Watermarks, KafkaError> = await client.runBlocking { handle in
            PartitionRead.watermarks(handle, of: topicPartition, deadline: deadline)
        }
        let watermarks = try result.get()
        return (watermarks.low, watermarks.high)
    }

    /// Stops a read in progress, which then fails with `.shutdown`, and closes the connection; idempotent.
    public func close() async {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        let logger = client.logger
        let err = await client.runBlocking { rd_kafka_consumer_close($0) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.debug(
                "Closing the partition reader failed",
                metadata: [LogKey.error: "\(KafkaError.rd(err, code: .consumer, context: "closing the partition reader"))"])
        }
    }

    private func checkOpen() throws(KafkaError) {
        if isClosed.load(ordering: .relaxed) {
            throw KafkaError(code: .shutdown, reason: "the partition reader is closed")
        }
    }

    fileprivate var closed: Bool { isClosed.load(ordering: .relaxed) }
}

/// Why a read in progress must end early: its task was cancelled or its reader closed.
private final class StopRequest: Sendable {
    private let reader: KafkaPartitionReader
    private let cancelled = Atomic<Bool>(false)

    init(reader: KafkaPartitionReader) {
        self.reader = reader
    }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// The error to end the read of `topicPartition` with, if it must end.
    func reason(_ topicPartition: KafkaTopicPartition) -> KafkaError? {
        if cancelled.load(ordering: .relaxed) {
            return KafkaError(code: .shutdown, reason: "reading \(topicPartition) was cancelled")
        }
        if reader.closed {
            return KafkaError(code: .shutdown, reason: "reading \(topicPartition): the partition reader was closed")
        }
        return nil
    }
}

/// One `readToEnd`, run on the reader's blocking queue.
private struct PartitionRead: Sendable {
    struct Watermarks: Sendable {
        var low: Int64
        var high: Int64
    }

    /// What librdkafka reports, with `auto.offset.reset=error`, for a start offset the broker says is out of range.
    static let outOfRangeErrorName = String(cString: rd_kafka_err2name(RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET))

    let topicPartition: KafkaTopicPartition
    let startOffset: Int64?
    let timeout: Duration

    func run(
        _ handle: OpaquePointer, queue: OpaquePointer, client: RDKafkaClient, stop: StopRequest,
        deliver: ([KafkaConsumerMessage]) throws -> Void
    ) -> Result<Int, any Error> {
        let clock = ContinuousClock()
        var deadline = clock.now.advanced(by: timeout)
        let watermarks: Watermarks
        switch PartitionRead.watermarks(handle, of: topicPartition, deadline: deadline) {
        case .success(let value): watermarks = value
        case .failure(let error): return .failure(error)
        }
        // Only the low watermark is used. The end comes from fetching: some brokers (Tansu 0.6.0) answer a
        // ListOffsets request with an offset below the end of the log, or with 0 while a transaction is open.
        let start = max(startOffset ?? watermarks.low, watermarks.low)
        let assignErr = RDKafkaTopicPartitionList.with(
            [KafkaTopicPartitionOffset(topic: topicPartition.topic, partition: topicPartition.partition, offset: start)]
        ) { rd_kafka_assign(handle, $0) }
        if assignErr != RD_KAFKA_RESP_ERR_NO_ERROR {
            return .failure(KafkaError.rd(assignErr, code: .consumer, context: "cannot assign \(topicPartition)@\(start)"))
        }
        defer { _ = rd_kafka_assign(handle, nil) }

        // Used on this queue only, for this read only: its topic-name cache cannot outlive the partition's topic.
        let reader = RDKafkaMessageReader()
        var count = 0
        // The offset after the last message taken: anything before it is a duplicate or left from an earlier read.
        var next = start
        // Where the partition ended: the high watermark, or the last stable offset when reading committed.
        var end: Int64?
        var failure: KafkaError?
        var lastError: KafkaError?
        while end == nil, failure == nil {
            if let stopped = stop.reason(topicPartition) { return .failure(stopped) }
            if clock.now >= deadline {
                let progress = count == 0 ? "no message" : "\(count) messages up to offset \(next - 1)"
                return .failure(
                    KafkaError(
                        code: .consumer,
                        reason: "reading \(topicPartition) from offset \(start): no progress towards its end for \(timeout)"
                            + " (read \(progress))" + (lastError.map { "; last error: \($0.reason)" } ?? ""),
                        librdkafkaErrorName: lastError?.librdkafkaErrorName, isRetriable: true))
            }
            let batchStart = next
            // A batch waits for its timeout unless it fills up: a short one notices the end soon after it comes.
            let outcome = reader.consumeBatch(
                from: queue, client: client, maxCount: KafkaPartitionReader.maxBatchSize, timeoutMilliseconds: 10
            ) { event in
                switch event {
                case .end(let position) where position.topicPartition == topicPartition && position.offset >= batchStart:
                    end = position.offset
                case .error(let error, let partition) where partition == topicPartition:
                    if error.librdkafkaErrorName == PartitionRead.outOfRangeErrorName {
                        failure = KafkaError(
                            code: .consumer,
                            reason: "offset \(start) is outside the partition's log (past its end or before its beginning)",
                            librdkafkaErrorName: error.librdkafkaErrorName)
                    } else if error.isRetriable {
                        lastError = error
                    } else {
                        failure = error
                    }
                case .error(let error, nil):
                    lastError = error
                case .end, .error:
                    break
                }
            }
            switch outcome {
            case .fatal(let error):
                return .failure(error)
            case .messages(let batch):
                // Messages fetched after the end was reached, in the same batch, are past it.
                var taken: [KafkaConsumerMessage] = []
                taken.reserveCapacity(batch.count)
                for message in batch
                where message.topicPartition == topicPartition && message.offset >= next && message.offset < end ?? .max {
                    taken.append(message)
                    next = message.offset + 1
                }
                if !taken.isEmpty {
                    count += taken.count
                    do { try deliver(taken) } catch { return .failure(error) }
                    // The time the receiver took is not the broker's: the wait starts again after it.
                    deadline = clock.now.advanced(by: timeout)
                }
            }
        }
        if var failure {
            failure.reason = "reading \(topicPartition) from offset \(start): \(failure.reason)"
            return .failure(failure)
        }
        client.logger.info(
            "Read partition to its end",
            metadata: [
                LogKey.topic: "\(topicPartition.topic)", LogKey.partition: "\(topicPartition.partition)",
                LogKey.offset: "\(start)", LogKey.count: "\(count)",
            ])
        return .success(count)
    }

    /// Checks, from the broker's metadata, that the partition exists, then asks its leader for the watermarks.
    static func watermarks(_ handle: OpaquePointer, of topicPartition: KafkaTopicPartition, deadline: ContinuousClock.Instant)
        -> Result<Watermarks, KafkaError>
    {
        let topic = topicPartition.topic
        guard let topicHandle = rd_kafka_topic_new(handle, topic, nil) else {
            return .failure(
                .rd(rd_kafka_last_error(), code: .consumer, context: "cannot read \(topicPartition): invalid topic"))
        }
        defer { rd_kafka_topic_destroy(topicHandle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, topicHandle, &metadata, remainingMilliseconds(until: deadline))
        defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            return .failure(.rd(err, code: .consumer, context: "cannot read the metadata of topic \(topic)"))
        }
        let entry = (0..<Int(metadata.pointee.topic_cnt)).lazy.map { metadata.pointee.topics[$0] }
            .first { String(cString: $0.topic) == topic }
        guard let entry, entry.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART else {
            return .failure(KafkaError(code: .unknownTopic, reason: "topic \(topic) does not exist"))
        }
        if entry.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return .failure(.rd(entry.err, code: .consumer, context: "cannot read \(topicPartition)"))
        }
        guard topicPartition.partition >= 0, topicPartition.partition < entry.partition_cnt else {
            return .failure(
                KafkaError(
                    code: .unknownTopic,
                    reason: "partition \(topicPartition.partition) of topic \(topic) does not exist"
                        + " (the topic has \(entry.partition_cnt) partitions)"))
        }
        var low: Int64 = -1
        var high: Int64 = -1
        let queryErr = rd_kafka_query_watermark_offsets(
            handle, topic, topicPartition.partition, &low, &high, remainingMilliseconds(until: deadline))
        if queryErr != RD_KAFKA_RESP_ERR_NO_ERROR {
            return .failure(.rd(queryErr, code: .consumer, context: "cannot read the watermarks of \(topicPartition)"))
        }
        return .success(Watermarks(low: low, high: high))
    }

    /// What is left of the time until `deadline`, at least 1 ms, for a librdkafka timeout.
    private static func remainingMilliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        Int32(clamping: max(1, ContinuousClock.now.duration(to: deadline).milliseconds))
    }
}
