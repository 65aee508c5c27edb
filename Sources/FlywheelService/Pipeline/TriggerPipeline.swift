import FlywheelEvents
import FlywheelKafka
import FlywheelPipeline
import FlywheelRules
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The live pipeline of `flywheel serve`: consume → decode and validate (dead-letter) → route by key → evaluate
/// rules → produce triggers, audit records and state changes → commit.
///
/// Exactly-once: per batch, everything produced and the batch's input offsets commit in one Kafka transaction;
/// a failed transaction stops the pipeline, and a restart resumes from the last commit with the state of that
/// commit. At-least-once: everything is delivered before the offsets are committed, and the state topic records
/// which offsets the state includes, so a restart does not count an event twice.
public final class TriggerPipeline: Service, Sendable {
    let configuration: ServeConfiguration
    let ruleSet: RuleSet
    let schemas: EventSchemas
    let health: ServiceHealth
    let logger: Logger

    public init(configuration: ServeConfiguration, ruleSet: RuleSet, schemas: EventSchemas, health: ServiceHealth, logger: Logger) {
        self.configuration = configuration
        self.ruleSet = ruleSet
        self.schemas = schemas
        self.health = health
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await runPipeline()
        } catch {
            health.markFailed("\(error)")
            throw error
        }
    }

    private func runPipeline() async throws {
        let client = configuration.kafka
        // Keyed records go where Kafka's default (Java) partitioner puts them, so the service can compute where a
        // key belongs.
        var producerClient = client
        producerClient.additionalProperties["partitioner"] = "murmur2_random"
        let admin = try await KafkaAdmin(configuration: client, logger: logger)
        let topics = try await ServiceTopics.prepare(configuration, admin: admin, logger: logger)
        health.markReady(.brokerReachable)
        let reader = try await KafkaPartitionReader(configuration: KafkaPartitionReaderConfiguration(client: client), logger: logger)
        let producerConfiguration = KafkaProducerConfiguration(client: producerClient, compression: configuration.compression)
        let output: PipelineOutput
        if configuration.delivery == .exactlyOnce {
            output = .transactional(
                try await KafkaTransactionalProducer(
                    configuration: KafkaTransactionalProducerConfiguration(
                        producer: producerConfiguration,
                        transactionalID: "flywheel-\(configuration.groupID)-\(configuration.instanceID)",
                        // An instance that vanishes for good holds read_committed readers back at most this long
                        // (librdkafka needs it at least as long as a request may take).
                        transactionTimeout: client.connection.requestTimeout),
                    logger: logger))
        } else {
            output = .idempotent(try await KafkaProducer(configuration: producerConfiguration, logger: logger))
        }
        // The repartition topic holds only what this group wrote for itself: a new group reads it from its beginning
        // (with `offset_reset: latest`, records re-keyed before the consumer found the topic's end would be skipped).
        var consumerConfiguration = KafkaConsumerConfiguration(
            client: client, groupID: configuration.groupID, topics: configuration.inputTopics + [configuration.repartitionTopic],
            offsetReset: configuration.offsetReset, isolationLevel: .readCommitted, assignmentStrategy: .range,
            sessionTimeout: configuration.sessionTimeout, maxBatchSize: configuration.maxBatchSize,
            bufferCapacity: Swift.max(20_000, 2 * configuration.maxBatchSize), fetchMaxWait: configuration.fetchMaxWait)
        consumerConfiguration.readFromBeginning = [configuration.repartitionTopic]
        consumerConfiguration.maxBatchBytes = configuration.maxBatchBytes
        consumerConfiguration.bufferCapacityBytes = 2 * configuration.maxBatchBytes
        let consumer = try await KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        let state = PipelineState(
            configuration: configuration, ruleSet: ruleSet, partitions: topics.partitions,
            decoder: IntakeDecoder(intake: EventIntake(schemas: schemas), deadLetterTopic: configuration.deadLetterTopic, logger: logger),
            logger: logger)
        let jobs = SerialJobs()
        let committer = BatchCommitter()
        let failure = PipelineFailure()
        let health = self.health
        let logger = self.logger
        let commitMetrics = state.metrics
        let decoder = state.decoder
        let repartitionTopic = configuration.repartitionTopic
        let parallelism = ProcessInfo.processInfo.activeProcessorCount
        let hasAbsences = ruleSet.rules.contains { $0.kind == "absent" }
        let absenceInterval = configuration.absenceCheckInterval
        logger.info(
            "Serving",
            metadata: [
                "rules": "\(ruleSet.rules.count)", "delivery": "\(configuration.delivery)", "partitions": "\(topics.partitions)",
                "inputs": "\(configuration.inputTopics.joined(separator: ","))",
            ])

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            group.addTask { await jobs.run() }
            group.addTask {
                // Commits go on beside evaluation; a failed one stops the pipeline (a restart resumes from the last).
                do {
                    try await committer.run { try await output.commit($0, consumer: consumer, metrics: commitMetrics, logger: logger) }
                } catch {
                    failure.record(error)
                    consumer.triggerGracefulShutdown()
                }
            }
            // Readiness follows the cluster's answers; the consumer lag is measured with them.
            let brokerWatch = BrokerWatch(probe: consumer, health: health, interval: configuration.brokerCheckInterval, logger: logger)
            group.addTask { await brokerWatch.run() }
            let reloader = RuleReloader(configuration: configuration, logger: logger) { ruleSet in
                try await jobs.perform { try state.replaceRules(with: ruleSet) }
            }
            group.addTask {
                do { try await reloader.run() } catch is CancellationError {}
            }
            if hasAbsences {
                group.addTask {
                    // The wall clock fires absences of silent keys; this ends with the jobs. A failure stops the
                    // pipeline, as a failing batch does: a restart resumes from the last commit.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: absenceInterval)
                        do {
                            // A partition fires absences only once it has read its inputs to the end: before that, the
                            // backlog may hold the very events whose absence the wall clock would report.
                            let catchingUp = try await jobs.perform { state.partitionsCatchingUp() }
                            var lags: [KafkaPartitionLag] = []
                            var ends: [KafkaTopicPartition: Int64] = [:]
                            if !catchingUp.isEmpty, let known = try? await consumer.lag() {
                                lags = known
                                let untargeted = Set(catchingUp.filter(\.needsTargets).map(\.partition))
                                let asked = lags.map(\.topicPartition).filter { untargeted.contains($0.partition) }
                                if !asked.isEmpty { ends = await consumer.endOffsets(of: asked) }
                            }
                            try await jobs.perform { [lags, ends] in
                                if !catchingUp.isEmpty {
                                    state.recordCatchUpCheck(
                                        of: catchingUp, lags: lags, ends: ends, buffered: Set(consumer.bufferedPartitions.map(\.partition)))
                                }
                                try await committer.submit(try state.fireAbsences(consumer: PipelineState.ConsumerView(consumer)))
                            }
                        } catch is CancellationError {
                            return
                        } catch {
                            failure.record(error)
                            consumer.triggerGracefulShutdown()
                            return
                        }
                    }
                }
            }
            do {
                try await withGracefulShutdownHandler {
                    // A batch is decoded while the one before it is evaluated (decoding needs no rule state). What
                    // the restored state already includes (records read again after a restart) is not decoded.
                    var applied: [Int32: [String: Int64]] = [:]
                    var evaluating: JobCompletion?
                    for try await event in consumer.events {
                        switch event {
                        case .partitionsAssigned(let partitions):
                            try await evaluating?.wait()
                            evaluating = nil
                            health.markNotReady(.stateRestored, reason: "restoring the state of \(partitions.count) partitions")
                            do {
                                applied = try await jobs.perform {
                                    try await committer.drain()
                                    try await state.assign(partitions, reader: reader)
                                    return state.appliedPositions()
                                }
                            } catch let error as KafkaError where error.code == .shutdown && Task.isShuttingDownGracefully {
                                // The shutdown stopped the restore: the partitions it did not finish have no state
                                // here, so none of their records is evaluated or committed; the consumer drains.
                                logger.info("The shutdown stopped the state restore; partitions not restored are left to the next start")
                                continue
                            }
                            health.markReady(.partitionsAssigned)
                            health.markReady(.stateRestored)
                        case .partitionsRevoked(let partitions), .partitionsLost(let partitions):
                            try await evaluating?.wait()
                            evaluating = nil
                            // What was evaluated for these partitions is committed before they go.
                            try await jobs.perform {
                                try await committer.drain()
                                state.revoke(partitions)
                            }
                            if (try? consumer.assignment())?.isEmpty ?? true {
                                health.markNotReady(.partitionsAssigned, reason: "no partitions assigned (rebalancing)")
                            }
                        case .messages(let messages):
                            let inputs = messages.indices.filter { index in
                                let topic = messages[index].topic
                                return topic != repartitionTopic
                                    && !(applied[messages[index].partition]?[topic].map { messages[index].offset <= $0 } ?? false)
                            }
                            let decoding = Task { await decoder.decode(messages, at: inputs, parallelism: parallelism) }
                            let evaluation = jobs.submit {
                                let decoded = await decoding.value
                                try await committer.submit(try state.process(messages, decoded: decoded, consumer: PipelineState.ConsumerView(consumer)))
                            }
                            try await evaluating?.wait()
                            evaluating = evaluation
                            // The next batch is decoded and evaluated while this one commits, but only if it is
                            // already here: an idle pipeline has committed everything (and shutdown finds nothing in
                            // flight).
                            if !consumer.hasBufferedEvents {
                                try await evaluation.wait()
                                evaluating = nil
                                try await committer.drain()
                            }
                        }
                    }
                    try await evaluating?.wait()
                } onGracefulShutdown: {
                    consumer.triggerGracefulShutdown()
                    // A restore under way (a large state partition can take longer than a shutdown may) stops.
                    Task { await reader.close() }
                }
            } catch {
                logger.error("The pipeline stops", metadata: ["error": "\(error)"])
                jobs.finish()
                committer.finish()
                consumer.triggerGracefulShutdown()
                group.cancelAll()
                try? await output.shutdown()
                throw failure.first ?? error
            }
            // Absences fired after the last batch are committed too.
            try? await jobs.perform { try await committer.drain() }
            jobs.finish()
            committer.finish()
            group.cancelAll()
            try await group.waitForAll()
            if let error = failure.first {
                logger.error("The pipeline stops", metadata: ["error": "\(error)"])
                try? await output.shutdown()
                throw error
            }
        }
        try await output.shutdown()
        await reader.close()
    }
}

/// The first error of work beside the batch loop (the absence timer), which ends the pipeline like a batch's would.
final class PipelineFailure: Sendable {
    private let error = Mutex<(any Error)?>(nil)

    func record(_ error: any Error) {
        self.error.withLock { $0 = $0 ?? error }
    }

    var first: (any Error)? { error.withLock { $0 } }
}
