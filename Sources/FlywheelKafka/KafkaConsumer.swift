internal import CRdKafka
import Logging
import ServiceLifecycle
import Synchronization

/// A member of a Kafka consumer group that hands messages and rebalances to Swift as `events`.
///
/// Delivery is at-least-once: an offset is stored only when the application calls `storeOffsets(for:)` after it
/// processed the messages; stored offsets are committed every `commitInterval`, on revocation and on shutdown.
/// As a `Service`, `run()` polls (on a thread of its own) until graceful shutdown, then stops fetching, lets the
/// application finish what was fetched, commits and leaves the group.
public final class KafkaConsumer: Service, Sendable {
    /// The messages and rebalances, in order; iterate from one task.
    public let events: KafkaConsumerEvents
    let client: RDKafkaClient
    let configuration: KafkaConsumerConfiguration
    private let buffer: KafkaConsumerBuffer
    private let reader = RDKafkaMessageReader()
    private let started = Atomic<Bool>(false)
    private let shutdownLatch = ShutdownLatch()

    /// Joins the group and subscribes; waits, as `client.connection.startupTimeout` says, until a broker answers.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger) async throws(KafkaError) {
        try configuration.validate()
        var groupLogger = logger
        groupLogger[metadataKey: LogKey.groupID] = "\(configuration.groupID)"
        let logger = groupLogger
        let buffer = KafkaConsumerBuffer(
            capacity: configuration.bufferCapacity, capacityBytes: configuration.bufferCapacityBytes,
            mergeLimit: configuration.maxBatchSize, mergeLimitBytes: configuration.maxBatchBytes)
        let client = try RDKafkaClient(kind: .consumer, properties: configuration.properties, logger: logger) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
                guard let rk, let opaque else { return }
                Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
                    .rebalance(rk: rk, err: err, partitions: partitions)
            }
        }
        let revocationTimeout = configuration.revocationTimeout
        let reader = self.reader
        let readFromBeginning = configuration.readFromBeginning
        client.callbacks.setRebalanceHandler { rk, err, partitions in
            KafkaConsumer.rebalance(
                rk: rk, err: err, partitions: partitions, buffer: buffer, reader: reader, logger: logger,
                revocationTimeout: revocationTimeout, readFromBeginning: readFromBeginning)
        }
        self.client = client
        self.configuration = configuration
        self.buffer = buffer
        self.events = KafkaConsumerEvents(buffer: buffer)

        // Wait for a broker while the main queue can still be served by rd_kafka_poll, then hand it to the consumer.
        try await client.awaitBroker(policy: configuration.client.connection)
        try client.withHandle { (handle) throws(KafkaError) in
            let err = rd_kafka_poll_set_consumer(handle)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rd(err, code: .consumer, context: "cannot start consumer") }
        }
        try subscribe()
    }

    deinit {
        // A consumer that never ran (or whose run was abandoned) must not make librdkafka's close, inside
        // rd_kafka_destroy, wait for an application that will never acknowledge a revocation.
        buffer.finish()
    }

    private func subscribe() throws(KafkaError) {
        let topics = configuration.topics.map { KafkaTopicPartitionOffset(topic: $0, partition: RD_KAFKA_PARTITION_UA, offset: 0) }
        let err = client.withHandle { handle in
            RDKafkaTopicPartitionList.with(topics) { rd_kafka_subscribe(handle, $0) }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .rd(err, code: .consumer, context: "cannot subscribe to \(configuration.topics.joined(separator: ", "))")
        }
        client.logger.info("Subscribed", metadata: [LogKey.topic: "\(configuration.topics.joined(separator: ","))"])
    }

    /// Marks the messages as processed: their offsets (each partition's highest, plus one) are committed next time.
    ///
    /// Offsets of partitions this consumer no longer owns are skipped: their new owner reads those messages again.
    public func storeOffsets(for messages: some Sequence<KafkaConsumerMessage>) {
        storeOffsets(KafkaTopicPartitionOffset.next(after: messages))
    }

    /// Marks positions as processed: each offset is the next one to read, as a commit records it.
    ///
    /// Offsets of partitions this consumer no longer owns are skipped: their new owner reads those messages again.
    public func storeOffsets(_ offsets: [KafkaTopicPartitionOffset]) {
        guard !offsets.isEmpty else { return }
        client.withHandle { handle in
            RDKafkaTopicPartitionList.with(offsets) { list in
                let err = rd_kafka_offsets_store(handle, list)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR,
                    let error = RDKafkaTopicPartitionList.firstError(list, code: .commit, context: "cannot store offset for")
                        ?? Optional(.rd(err, code: .commit, context: "cannot store offsets"))
                {
                    client.logger.debug("Offset not stored", metadata: [LogKey.error: "\(error)"])
                }
            }
        }
    }

    /// Whether an event is already buffered, so that iterating `events` would not wait for the broker.
    public var hasBufferedEvents: Bool { buffer.hasBufferedEvents }

    /// The partitions of the buffered messages not handed to the application yet.
    public var bufferedPartitions: Set<KafkaTopicPartition> { buffer.bufferedPartitions }

    /// Rebalance events (assigned, revoked, lost) so far, counted before the application can take them: while it
    /// differs from the number the application has taken, a rebalance is under way that the messages in hand
    /// predate.
    public var rebalanceEvents: UInt64 { buffer.rebalanceEvents }

    /// Revocations that went on without the application's acknowledgement (`revocationTimeout`): whatever the
    /// application still commits from before one belongs to partitions it may no longer own.
    public var expiredRevocations: UInt64 { buffer.expiredRevocations }

    /// Marks one message as processed.
    public func storeOffset(for message: KafkaConsumerMessage) {
        storeOffsets(for: CollectionOfOne(message))
    }

    /// Starts committing the stored offsets now, without waiting for the broker's answer; a failure is left to the
    /// next commit (periodic, on revocation or on shutdown), which commits the same or later offsets.
    public func commitStoredOffsetsSoon() {
        client.withHandle { handle in
            let err = rd_kafka_commit(handle, nil, 1)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET {
                client.logger.debug("Offset commit not started", metadata: [LogKey.error: "\(KafkaError.rd(err, code: .commit, context: "commit"))"])
            }
        }
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() async throws(KafkaError) {
        let err = await client.runBlocking { rd_kafka_commit($0, nil, 0) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw .rd(err, code: .commit, context: "cannot commit offsets of group \(configuration.groupID)")
        }
    }

    /// The group's committed offsets (the next offset to read) for the partitions; -1001 where none is committed.
    public func committedOffsets(for partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [KafkaTopicPartitionOffset]
    {
        let request = partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: -1001) }
        let milliseconds = Int32(timeout.milliseconds)
        let groupID = configuration.groupID
        let result: Result<[KafkaTopicPartitionOffset], KafkaError> = await client.runBlocking { handle in
            RDKafkaTopicPartitionList.with(request) { list in
                let err = rd_kafka_committed(handle, list, milliseconds)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    return .failure(.rd(err, code: .commit, context: "cannot read committed offsets of group \(groupID)"))
                }
                return .success(RDKafkaTopicPartitionList.read(list))
            }
        }
        return try result.get()
    }

    /// The partitions this consumer owns now.
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        try client.withHandle { (handle) throws(KafkaError) in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(handle, &list)
            defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rd(err, code: .consumer, context: "cannot read assignment") }
            return RDKafkaTopicPartitionList.read(list).map(\.topicPartition).sorted()
        }
    }

    /// The group's identity and generation, for `KafkaTransactionalProducer.sendOffsets`.
    public func groupMetadata() throws(KafkaError) -> KafkaConsumerGroupMetadata {
        guard let metadata = client.withHandle({ rd_kafka_consumer_group_metadata($0) }) else {
            throw KafkaError(code: .consumer, reason: "no group metadata for group \(configuration.groupID)")
        }
        return KafkaConsumerGroupMetadata(owning: metadata)
    }

    /// Polls until graceful shutdown or cancellation, then drains, commits and leaves the group.
    public func run() async throws {
        guard !started.exchange(true, ordering: .relaxed) else {
            throw KafkaError(code: .consumer, reason: "run() was called twice on one consumer")
        }
        let pollThread = startPolling()
        await shutdownLatch.wait()
        if Task.isCancelled { buffer.finish() }
        buffer.beginDraining()
        pollThread.stop()
        await pollThread.waitUntilFinished()
        if !Task.isCancelled {
            await buffer.waitUntilDrained(timeout: configuration.shutdownDrainTimeout)
        }
        let failure = buffer.failure
        buffer.finish()
        try await close()
        if let failure { throw failure }
    }

    /// Starts the same shutdown as the service group's graceful shutdown: stop fetching, drain, commit, leave.
    public func triggerGracefulShutdown() {
        shutdownLatch.open()
    }

    private func close() async throws(KafkaError) {
        let logger = client.logger
        let err = await client.runBlocking { rd_kafka_consumer_close($0) }
        if let fatal = client.fatalError(code: .consumer) { throw fatal }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .rd(err, code: .consumer, context: "closing the consumer of group \(configuration.groupID)")
        }
        logger.info("Consumer closed: offsets committed, group left")
    }

    private func startPolling() -> RDKafkaPollThread {
        let client = self.client
        let buffer = self.buffer
        let maxBatchSize = configuration.maxBatchSize
        let maxBatchBytes = configuration.maxBatchBytes
        let reader = self.reader
        let latch = self.shutdownLatch
        let queue = RDKafkaQueue(client.withHandle { rd_kafka_queue_get_consumer($0) }!, client: client)
        return RDKafkaPollThread(name: "flywheel-consumer-poll") {
            guard buffer.waitForRoom() else { return false }
            let outcome = queue.withQueue { reader.consumeBatch(from: $0, client: client, maxCount: maxBatchSize) }
            switch outcome {
            case .messages(let messages):
                for batch in KafkaConsumerMessage.batches(of: messages, maxBytes: maxBatchBytes) {
                    buffer.push(.messages(batch.messages), bytes: batch.bytes)
                }
                return true
            case .fatal(let error):
                client.logger.error("Consumer failed", metadata: [LogKey.error: "\(error)"])
                buffer.finish(failure: error)
                latch.open()
                return false
            }
        }
    }

    /// Sets the assigned partitions of `topics` that have no committed offset to start at their beginning; the
    /// others keep librdkafka's choice (the committed offset, or `auto.offset.reset`). Asks the group coordinator,
    /// waiting up to 10 s; if it does not answer, the partitions are left as they are and a warning says so.
    private static func startFromBeginningWithoutCommit(
        rk: OpaquePointer, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, topics: Set<String>, logger: Logger
    ) {
        let chosen = RDKafkaTopicPartitionList.read(partitions).filter { topics.contains($0.topic) }
            .map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: -1001) }
        guard let partitions, !chosen.isEmpty else { return }
        let committed: [KafkaTopicPartitionOffset]? = RDKafkaTopicPartitionList.with(chosen) { list in
            rd_kafka_committed(rk, list, 10_000) == RD_KAFKA_RESP_ERR_NO_ERROR ? RDKafkaTopicPartitionList.read(list) : nil
        }
        guard let committed else {
            logger.warning("Committed offsets not known; partitions without one start where auto.offset.reset says", metadata: [LogKey.partitions: "\(chosen)"])
            return
        }
        for entry in committed where entry.offset < 0 {
            rd_kafka_topic_partition_list_find(partitions, entry.topic, entry.partition)?.pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
        }
    }

    /// The rebalance callback, on the poll thread (or the closing thread): hands the change to the application,
    /// waits for it on revocation, commits, then applies the change.
    private static func rebalance(
        rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        buffer: KafkaConsumerBuffer, reader: RDKafkaMessageReader, logger: Logger, revocationTimeout: Duration,
        readFromBeginning: Set<String>
    ) {
        let changed = RDKafkaTopicPartitionList.read(partitions).map(\.topicPartition).sorted()
        // NULL while the protocol is not known yet (a member closing before it ever joined): treat it as eager.
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) == "COOPERATIVE" } ?? false
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("Partitions assigned", metadata: [LogKey.partitions: "\(changed)"])
            startFromBeginningWithoutCommit(rk: rk, partitions: partitions, topics: readFromBeginning, logger: logger)
            buffer.push(.partitionsAssigned(changed))
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) {
                    logger.error("Incremental assign failed", metadata: [LogKey.error: "\(KafkaError.consuming(error, code: .consumer, context: "assign"))"])
                }
            } else {
                _ = rd_kafka_assign(rk, partitions)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            reader.partitionsRevoked(changed)
            logger.info(lost ? "Partitions lost" : "Partitions revoked", metadata: [LogKey.partitions: "\(changed)"])
            if let sequence = buffer.push(lost ? .partitionsLost(changed) : .partitionsRevoked(changed)),
                !buffer.waitForAcknowledgement(of: sequence, timeout: revocationTimeout)
            {
                buffer.noteExpiredRevocation()
                logger.warning("The application did not finish the revocation in time; committing what it stored")
            }
            if !lost {
                let commitErr = rd_kafka_commit(rk, nil, 0)
                if commitErr != RD_KAFKA_RESP_ERR_NO_ERROR, commitErr != RD_KAFKA_RESP_ERR__NO_OFFSET {
                    logger.warning(
                        "Commit on revocation failed",
                        metadata: [LogKey.error: "\(KafkaError.rd(commitErr, code: .commit, context: "commit"))"])
                }
            }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) {
                    logger.error("Incremental unassign failed", metadata: [LogKey.error: "\(KafkaError.consuming(error, code: .consumer, context: "unassign"))"])
                }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            logger.error("Rebalance failed", metadata: [LogKey.error: "\(KafkaError.rd(err, code: .consumer, context: "rebalance"))"])
            _ = rd_kafka_assign(rk, nil)
        }
    }
}

/// A consumer's group identity and generation, as transactions need it to commit input offsets.
public final class KafkaConsumerGroupMetadata: Sendable {
    // Immutable once created and only read by librdkafka; freed once, in deinit.
    nonisolated(unsafe) private let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        rd_kafka_consumer_group_metadata_destroy(pointer)
    }

    func withPointer<Result>(_ body: (OpaquePointer) throws -> Result) rethrows -> Result {
        try body(pointer)
    }
}
