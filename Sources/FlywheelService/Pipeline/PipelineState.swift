import FlywheelEvents
import FlywheelKafka
import FlywheelPipeline
import FlywheelRules
import Foundation
import Logging
import Metrics

/// The pipeline's rule state and what it does with a batch.
///
/// Unchecked Sendable: it is only used inside `SerialJobs`, one job at a time, so no two tasks touch it at once.
/// Package-visible for `flywheel-benchmark pipeline`, which evaluates batches with it without Kafka.
package final class PipelineState: @unchecked Sendable {
    let configuration: ServeConfiguration
    private(set) var ruleSet: RuleSet
    let partitions: Int32
    let decoder: IntakeDecoder
    let logger: Logger
    let codec = CloudEventKafkaCodec()
    private(set) var metrics: ServiceMetrics
    /// By partition number; nil where this instance owns no partition of that number.
    private var tasks: [PartitionTask?]
    private var assignments: UInt64 = 0
    /// Assignments and revocations so far: the epoch of what is evaluated between two of them.
    private var rebalances: UInt64 = 0
    /// The rules a large state was logged for.
    private var warnedLargeState = Set<String>()

    package init(configuration: ServeConfiguration, ruleSet: RuleSet, partitions: Int32, decoder: IntakeDecoder, logger: Logger) {
        self.configuration = configuration
        self.ruleSet = ruleSet
        self.partitions = partitions
        self.decoder = decoder
        self.logger = logger
        metrics = ServiceMetrics(ruleSet: ruleSet)
        tasks = Array(repeating: nil, count: Int(partitions))
    }

    // MARK: Rebalances

    /// What evaluation needs to know of the consumer at that moment.
    package struct ConsumerView {
        var assigned: Set<KafkaTopicPartition>
        var group: KafkaConsumerGroupMetadata?
        var rebalanceEvents: UInt64
        var expiredRevocations: UInt64

        /// A consumer that has `assigned` after `rebalanceEvents` rebalances, outside a group (a benchmark's).
        package init(assigned: Set<KafkaTopicPartition>, rebalanceEvents: UInt64) {
            self.assigned = assigned
            group = nil
            self.rebalanceEvents = rebalanceEvents
            expiredRevocations = 0
        }

        /// Read in this order: a rebalance that begins meanwhile shows in `rebalanceEvents`.
        init(_ consumer: KafkaConsumer) {
            rebalanceEvents = consumer.rebalanceEvents
            expiredRevocations = consumer.expiredRevocations
            assigned = Set((try? consumer.assignment()) ?? [])
            group = try? consumer.groupMetadata()
        }
    }

    /// Restores the state of newly assigned partition numbers from the state topic, before any of their events.
    func assign(_ assigned: [KafkaTopicPartition], reader: KafkaPartitionReader) async throws {
        rebalances += 1
        for number in Set(assigned.map(\.partition)).sorted() where tasks.indices.contains(Int(number)) && tasks[Int(number)] == nil {
            let started = ContinuousClock.now
            assignments += 1
            let task = PartitionTask(partition: number, assignment: assignments, ruleSet: ruleSet)
            // Applied a batch at a time as it is read, so that a large state partition is never in memory whole.
            let restoring = Restoring(task)
            let records = try await reader.read(topic: configuration.stateTopic, partition: number) { batch in
                try restoring.task.restore(from: batch)
            }
            tasks[Int(number)] = task
            logger.info(
                "Restored rule state",
                metadata: [
                    "partition": "\(number)", "records": "\(records)", "keys": "\(task.engine.keyCount)",
                    "took": "\(ContinuousClock.now - started)",
                ])
        }
        metrics.stateKeys.record(tasks.reduce(0) { $0 + ($1?.engine.keyCount ?? 0) })
    }

    /// Gives the pipeline partition numbers with empty rule state, without reading a state topic: for evaluating
    /// batches without Kafka (`flywheel-benchmark pipeline`). Returns the rebalance count a consumer view needs.
    package func assignEmpty(_ partitions: [Int32]) -> UInt64 {
        rebalances += 1
        for number in partitions where tasks.indices.contains(Int(number)) && tasks[Int(number)] == nil {
            assignments += 1
            tasks[Int(number)] = PartitionTask(partition: number, assignment: assignments, ruleSet: ruleSet)
        }
        return rebalances
    }

    /// Drops the state of revoked partition numbers; it is in the state topic up to the last commit.
    func revoke(_ revoked: [KafkaTopicPartition]) {
        rebalances += 1
        for number in Set(revoked.map(\.partition)) where tasks.indices.contains(Int(number)) {
            tasks[Int(number)] = nil
        }
    }

    // MARK: Rules

    /// Runs `ruleSet` from now on; each partition keeps the state of the rules whose definition did not change.
    ///
    /// All partitions switch together or none does: if one partition's state cannot be carried over, the running
    /// rules stay everywhere and the error is thrown.
    func replaceRules(with ruleSet: RuleSet) throws {
        let replacements = try tasks.map { task in try task.map { try ($0, $0.engine(for: ruleSet)) } }
        for case let (task, engine)? in replacements { task.engine = engine }
        self.ruleSet = ruleSet
        metrics = ServiceMetrics(ruleSet: ruleSet)
    }

    // MARK: Batches

    /// Per partition number and source topic, the offset of the last record whose effects the restored state
    /// includes: records up to it are read again after a restart, and need no decoding.
    func appliedPositions() -> [Int32: [String: Int64]] {
        var positions: [Int32: [String: Int64]] = [:]
        for case let task? in tasks { positions[task.partition] = task.applied }
        return positions
    }

    /// Evaluates a batch whose input records (those of `messages` not from the repartition topic, or a subset
    /// holding every one this instance has not applied yet) were decoded to `decoded`; returns what it leaves to
    /// send, with its offsets, for the committer.
    package func process(
        _ messages: [KafkaConsumerMessage], decoded: IntakeDecoder.Batch, consumer: ConsumerView
    ) throws(ServiceError) -> PendingCommit {
        // A rebalance is under way that these records predate: they are read again once it is done (the eager
        // protocol resumes every partition from its last commit), by this instance or their new owner.
        guard consumer.rebalanceEvents == rebalances else {
            logger.debug("Batch left to after the rebalance", metadata: ["messages": "\(messages.count)"])
            return PendingCommit()
        }
        let assigned = consumer.assigned
        let started = ContinuousClock.now
        var records: [KafkaProducerMessage] = []
        var firings: [RuleFiring] = []
        var touched = Set<Int32>()

        // After a revocation that timed out, a batch may still hold messages of partitions another member owns now:
        // they are left to it. Messages whose effects the state already includes (read again after a restart) are
        // only committed.
        var owned = [Bool](repeating: false, count: messages.count)
        var last: (topic: String, partition: Int32, owned: Bool)?
        // Offsets to commit: per owned partition, the next after its last message; batches come in runs of one
        // partition, so the table is touched once per run. (Fields are read in place: a message copy is 4 retains.)
        var nextOffsets: [KafkaTopicPartition: Int64] = [:]
        for index in messages.indices {
            let partition = messages[index].partition
            if let last, last.partition == partition, last.topic == messages[index].topic {
                owned[index] = last.owned
            } else {
                let topicPartition = messages[index].topicPartition
                owned[index] = assigned.contains(topicPartition) && task(partition) != nil
                last = (topicPartition.topic, partition, owned[index])
            }
            if owned[index], messages.index(after: index) == messages.endIndex || messages[index + 1].partition != partition
                || messages[index + 1].topic != messages[index].topic
            {
                nextOffsets[messages[index].topicPartition] = max(nextOffsets[messages[index].topicPartition] ?? 0, messages[index].offset + 1)
            }
        }

        for (letter, source) in zip(decoded.deadLetters, decoded.deadLetterSources) {
            guard let task = task(source.partition), assigned.contains(KafkaTopicPartition(topic: source.topic, partition: source.partition)),
                !task.hasApplied(topic: source.topic, offset: source.offset)
            else { continue }
            records.append(letter)
        }
        var events = decoded.events.makeIterator()
        var event = events.next()
        // Messages come in runs of one topic and partition: what the state has applied is read once per run, kept
        // up to date through it, and recorded once, at its end.
        var run: (topic: String, partition: Int32, applied: Int64?, changed: Bool)?
        func endRun() {
            guard let run, run.changed else { return }
            tasks[Int(run.partition)]!.applied[run.topic] = run.applied
            touched.insert(run.partition)
        }
        for index in messages.indices {
            let partition = messages[index].partition
            let offset = messages[index].offset
            let topic = messages[index].topic
            if run?.partition != partition || run?.topic != topic {
                endRun()
                run = (topic, partition, owned[index] ? tasks[Int(partition)]!.applied[topic] : nil, false)
            }
            // An offset read again within the run (a reset after log truncation) is not applied twice, and
            // `applied` never goes back.
            let fresh = owned[index] && offset > (run!.applied ?? Int64.min)
            if fresh {
                run!.applied = offset
                run!.changed = true
            }
            if topic == configuration.repartitionTopic {
                guard fresh else { continue }
                let task = tasks[Int(partition)]!
                if let record = RepartitionRecord(messages[index], codec: codec) {
                    firings += task.engine.process(record.input, keys: Set(record.keys))
                } else {
                    records.append(deadLetter(messages[index], detail: "a repartition record without its keys, time or CloudEvent"))
                }
                continue
            }
            // The message's events, if it was decoded; routed only if it is this instance's to evaluate.
            while let current = event, current.source.offset == offset, current.source.partition == partition,
                current.source.topic == topic
            {
                if fresh { route(current, task: tasks[Int(partition)]!, firings: &firings, records: &records) }
                event = events.next()
            }
        }
        endRun()
        let evaluatedAt = ContinuousClock.now
        var pending = try outputs(firings: firings, records: records, touched: touched)
        pending.group = consumer.group
        pending.expiredRevocations = consumer.expiredRevocations
        pending.offsets = nextOffsets.sorted { $0.key < $1.key }.map {
            KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value)
        }
        metrics.batchDuration.record(duration: ContinuousClock.now - started)
        logger.debug(
            "Batch evaluated",
            metadata: [
                "messages": "\(messages.count)", "took": "\(ContinuousClock.now - started)", "evaluating": "\(evaluatedAt - started)",
            ])
        return pending
    }

    /// A partition that has not caught up with its inputs since its assignment.
    struct CatchingUp: Sendable {
        let partition: Int32
        let assignment: UInt64
        /// Whether the ends it must reach are still to be asked for.
        let needsTargets: Bool
    }

    func partitionsCatchingUp() -> [CatchingUp] {
        tasks.compactMap { task in
            task.flatMap { $0.isCaughtUp ? nil : CatchingUp(partition: $0.partition, assignment: $0.assignment, needsTargets: $0.catchUpTargets == nil) }
        }
    }

    /// Records one check of the partitions that are catching up, with the consumer's `lags` (positions) of every
    /// assigned partition, the `ends` asked for those that needed targets, and the partition numbers with messages
    /// waiting in the consumer's buffer. A partition is at its end when the position of each of its input partitions (and of the
    /// repartition topic) reached the end that partition had when first asked; two such checks in a row (an absence
    /// interval apart) make it caught up, the second also covering records that were between the consumer's queue
    /// and the pipeline, or in a batch being evaluated, at the first.
    func recordCatchUpCheck(
        of checked: [CatchingUp], lags: [KafkaPartitionLag], ends: [KafkaTopicPartition: Int64], buffered: Set<Int32>
    ) {
        for entry in checked {
            guard let task = task(entry.partition), task.assignment == entry.assignment, !task.isCaughtUp else { continue }
            let inputs = lags.filter { $0.topicPartition.partition == entry.partition }
            if task.catchUpTargets == nil, !inputs.isEmpty, inputs.allSatisfy({ ends[$0.topicPartition] != nil }) {
                task.catchUpTargets = Dictionary(uniqueKeysWithValues: inputs.map { ($0.topicPartition, ends[$0.topicPartition]!) })
            }
            let atEnd = task.catchUpTargets.map { targets in
                !inputs.isEmpty && inputs.allSatisfy { input in
                    guard let target = targets[input.topicPartition] else { return false }
                    // A group that starts at the latest records has nothing to catch up with before its first one.
                    guard let position = input.position else { return configuration.offsetReset == .latest }
                    return position >= target
                }
            } ?? false
            guard atEnd, !buffered.contains(entry.partition) else {
                task.checksAtEnd = 0
                continue
            }
            task.checksAtEnd += 1
            if task.checksAtEnd >= 2 {
                task.isCaughtUp = true
                logger.info("Caught up with the inputs; the wall clock fires the partition's absences from now on", metadata: ["partition": "\(entry.partition)"])
            }
        }
    }

    /// Fires the absences the wall clock has made due, in every owned partition that has caught up with its inputs;
    /// returns what they leave to send.
    func fireAbsences(consumer: ConsumerView) throws(ServiceError) -> PendingCommit {
        guard consumer.rebalanceEvents == rebalances else { return PendingCommit() }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var firings: [RuleFiring] = []
        var touched = Set<Int32>()
        for index in tasks.indices where tasks[index]?.isCaughtUp == true {
            let fired = tasks[index]!.engine.fireAbsences(dueBy: now)
            if !fired.isEmpty {
                firings += fired
                touched.insert(Int32(index))
            }
        }
        guard !firings.isEmpty else { return PendingCommit() }
        var pending = try outputs(firings: firings, records: [], touched: touched)
        pending.group = consumer.group
        pending.expiredRevocations = consumer.expiredRevocations
        return pending
    }

    private func task(_ partition: Int32) -> PartitionTask? {
        tasks.indices.contains(Int(partition)) ? tasks[Int(partition)] : nil
    }

    /// Evaluates the event here for the keys this partition owns, and sends it on for the others.
    private func route(_ event: IntakeStage.Event, task: PartitionTask, firings: inout [RuleFiring], records: inout [KafkaProducerMessage]) {
        let keys = ruleSet.routingKeys(of: event.event)
        guard !keys.isEmpty else { return }
        let time = event.event.timeMilliseconds ?? event.timestampMilliseconds ?? Int64(Date().timeIntervalSince1970 * 1000)
        let input = RuleInput(event: event.event, time: time, origin: event.source)
        var elsewhere: [Int32: [String]] = [:]
        for key in keys {
            let owner = KafkaPartitioner.partition(of: key, partitions: partitions)
            if owner != task.partition { elsewhere[owner, default: []].append(key) }
        }
        if elsewhere.isEmpty {
            // The usual case: every key is this partition's, and no set of them is needed.
            firings += task.engine.process(input, keys: nil)
        } else {
            let local = Set(keys.filter { KafkaPartitioner.partition(of: $0, partitions: partitions) == task.partition })
            if !local.isEmpty { firings += task.engine.process(input, keys: local) }
        }
        for (owner, ownerKeys) in elsewhere.sorted(by: { $0.key < $1.key }) {
            records.append(RepartitionRecord(input: input, keys: ownerKeys).message(topic: configuration.repartitionTopic, partition: owner))
            metrics.repartitioned.increment()
        }
    }

    private func deadLetter(_ message: KafkaConsumerMessage, detail: String) -> KafkaProducerMessage {
        let source = SourceCoordinates(topic: message.topic, partition: message.partition, offset: message.offset)
        let error = CloudEventDecodingError(reason: .invalidAttribute, field: RepartitionRecord.keysHeader, detail: detail)
        let record = CloudEventRecord(
            key: message.key, value: message.value, headers: message.headers.map { CloudEventRecord.Header(name: $0.key, value: $0.value) })
        let letter = DeadLetter.record(for: record, error: error, source: source, maxBytes: IntakeStage.maxDeadLetterValueBytes)
        logger.warning("Record sent to the dead-letter topic", metadata: ["source": "\(source)", "detail": "\(detail)"])
        return KafkaProducerMessage(
            topic: configuration.deadLetterTopic, key: letter.key, value: letter.value,
            headers: letter.headers.map { KafkaHeader(key: $0.name, value: $0.value) })
    }

    // MARK: Outputs

    /// The triggers and audit records of `firings` after `records`, and the state changes of the `touched`
    /// partitions.
    private func outputs(firings: [RuleFiring], records: [KafkaProducerMessage], touched: Set<Int32>) throws(ServiceError) -> PendingCommit {
        var pending = PendingCommit(records: records)
        pending.epoch = rebalances
        pending.records.reserveCapacity(records.count + 2 * firings.count)
        for firing in firings {
            let (trigger, audit) = firing.records(codec: codec)
            pending.records.append(message(trigger, of: firing.trigger, topic: firing.topic))
            pending.records.append(message(audit, of: firing.trigger, topic: configuration.auditTopic))
            pending.firedRules.append(firing.ruleID)
            metrics.triggers(rule: firing.ruleID).increment()
        }
        // A state record larger than a record may be (less 1 KiB for its overhead) cannot be produced: the batch
        // fails, naming the rule and key. A quarter of that is logged, once per rule, as a warning.
        let maxBytes = configuration.maxRecordBytes - 1024
        var large: [PartitionTask.LargeState] = []
        for partition in touched.sorted() {
            pending.changelog += tasks[Int(partition)]!.changelog(topic: configuration.stateTopic, largeBytes: maxBytes / 4, large: &large)
        }
        for state in large where warnedLargeState.insert(state.rule).inserted {
            logger.warning(
                "A key's state is large for a Kafka record",
                metadata: [
                    "rule": "\(state.rule)", "key": "\(state.key)", "bytes": "\(state.bytes)", "limit": "\(maxBytes)",
                    "detail": "a key's window keeps about 1,000 events one by one, with their ids; above the limit the batch fails (docs/rules.md, The size of a key's state)",
                ])
        }
        if let state = large.first(where: { $0.bytes > maxBytes }) {
            throw ServiceError(
                code: .pipeline,
                message: "the state of rule \(state.rule) for key \(state.key) is \(state.bytes) bytes, more than the \(maxBytes) a record of the"
                    + " state topic may have (message.max.bytes, less 1 KiB for the record's overhead): the events its window keeps one"
                    + " by one (about 1,000, with their ids) do not fit; use shorter event ids, or raise message.max.bytes"
                    + " (kafka.properties) and the state topic's max.message.bytes (see docs/rules.md, The size of a key's state)")
        }
        metrics.record(tasks.compactMap { $0?.engine.statistics })
        metrics.stateKeys.record(tasks.reduce(0) { $0 + ($1?.engine.keyCount ?? 0) })
        return pending
    }

    /// The message of a trigger's or audit record's `record`, with the W3C trace context of `trigger`.
    private func message(_ record: CloudEventRecord, of trigger: CloudEvent, topic: String) -> KafkaProducerMessage {
        var headers = record.headers.map { KafkaHeader(key: $0.name, value: $0.value) }
        // Also as the plain W3C header, which tracing-aware Kafka clients read.
        if let traceparent = trigger.extensions["traceparent"] { headers.append(KafkaHeader(key: "traceparent", string: traceparent)) }
        return KafkaProducerMessage(topic: topic, key: record.key, value: record.value, headers: headers)
    }
}

/// A partition task being restored, handed to the state reader, which applies each batch on its own thread while
/// `assign` waits: the task is used by one thread at a time.
private final class Restoring: @unchecked Sendable {
    let task: PartitionTask

    init(_ task: PartitionTask) {
        self.task = task
    }
}
