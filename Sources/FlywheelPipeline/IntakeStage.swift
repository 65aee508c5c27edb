import FlywheelEvents
import FlywheelKafka
import Logging
import Metrics

/// The first live stage: turns consumed Kafka messages into validated events and sends every record that cannot
/// be processed to the dead-letter topic, unchanged, with the reason.
///
/// Nothing is dropped: a batch's offsets may be stored only after `process` returned, that is after its dead
/// letters were acknowledged by the broker.
public struct IntakeStage: Sendable {
    /// An event with where it was read, for triggers' `cause` and for offsets.
    public struct Event: Sendable {
        public var event: CloudEvent
        public var key: String?
        public var source: SourceCoordinates
        /// The record's Kafka timestamp, for events without a `time`.
        public var timestampMilliseconds: Int64?
    }

    /// The largest record value `flywheel ingest` accepts: below librdkafka's default `message.max.bytes`
    /// (1,000,000) with room for the dead-letter headers, so that a refused record can always be forwarded whole.
    public static let maxDeadLetterValueBytes = 900_000

    public let intake: EventIntake
    public let deadLetterTopic: String
    private let producer: KafkaProducer
    private let decoder: IntakeDecoder

    public init(intake: EventIntake, deadLetterTopic: String, producer: KafkaProducer, logger: Logger) {
        self.intake = intake
        self.deadLetterTopic = deadLetterTopic
        self.producer = producer
        decoder = IntakeDecoder(intake: intake, deadLetterTopic: deadLetterTopic, logger: logger)
    }

    /// The batch's events, in order; its dead letters are delivered before this returns.
    public func process(_ messages: [KafkaConsumerMessage]) async throws(KafkaError) -> [Event] {
        let (events, deadLetters) = decoder.decode(messages)
        if !deadLetters.isEmpty {
            try await producer.send(deadLetters)
        }
        return events
    }
}

/// Decodes consumed messages into events and the dead letters to send for the rest, counting and logging both;
/// sending the dead letters is the caller's (`IntakeStage` sends them itself, `flywheel serve` in its transaction).
public struct IntakeDecoder: Sendable {
    let intake: EventIntake
    let deadLetterTopic: String
    let logger: Logger
    let knownTypes: Set<String>
    let counters: PipelineCounters

    public init(intake: EventIntake, deadLetterTopic: String, logger: Logger) {
        self.intake = intake
        self.deadLetterTopic = deadLetterTopic
        self.logger = logger
        knownTypes = Set(intake.schemas.types)
        counters = PipelineCounters()
    }

    public func decode(_ messages: [KafkaConsumerMessage]) -> (events: [IntakeStage.Event], deadLetters: [KafkaProducerMessage]) {
        let decoded = decodeSlice(messages, at: messages.indices)
        return (decoded.events, decoded.deadLetters)
    }

    /// What one slice of a batch decoded to; `deadLetterSources[i]` is where `deadLetters[i]` was read.
    private struct Slice: Sendable {
        var events: [IntakeStage.Event] = []
        var deadLetters: [KafkaProducerMessage] = []
        var deadLetterSources: [SourceCoordinates] = []
    }

    /// Decodes the messages at `indices`; they are read in place, not copied out of the batch.
    private func decodeSlice(_ messages: [KafkaConsumerMessage], at indices: some Collection<Int>) -> Slice {
        var events: [IntakeStage.Event] = []
        events.reserveCapacity(indices.count)
        var deadLetters: [KafkaProducerMessage] = []
        var deadLetterSources: [SourceCoordinates] = []
        var eventsIn = EventCounts()
        defer {
            for (labels, count) in eventsIn.totals() {
                counters.counter(PipelineMetrics.eventsIn, ("topic", labels.topic), ("type", metricType(labels.type))).increment(by: count)
            }
        }
        var intakeEvents: [EventIntake.Event] = []  // one record's events
        // One record, refilled for each message: its header list's storage is reused, not allocated per message.
        var record = CloudEventRecord(key: nil, value: nil, headers: [])
        for index in indices {
            let topic = messages[index].topic
            let source = SourceCoordinates(topic: topic, partition: messages[index].partition, offset: messages[index].offset)
            record.key = messages[index].key
            record.value = messages[index].value
            record.headers.removeAll(keepingCapacity: true)
            for header in messages[index].headers { record.headers.append(CloudEventRecord.Header(name: header.key, value: header.value)) }
            if let (letter, error) = intake.process(record, source: source, appendingTo: &intakeEvents) {
                counters.counter(PipelineMetrics.deadLettered, ("topic", topic), ("reason", error.reason.name)).increment()
                logger.warning(
                    "Record sent to the dead-letter topic",
                    metadata: [
                        PipelineLogKey.source: "\(source)", PipelineLogKey.reason: "\(error.reason)",
                        PipelineLogKey.field: "\(error.field ?? "-")", PipelineLogKey.detail: "\(error.detail.prefix(300))",
                        PipelineLogKey.deadLetterTopic: "\(deadLetterTopic)",
                    ])
                deadLetters.append(
                    KafkaProducerMessage(
                        topic: deadLetterTopic, key: letter.key, value: letter.value,
                        headers: letter.headers.map { KafkaHeader(key: $0.name, value: $0.value) }))
                deadLetterSources.append(source)
                continue
            }
            // A W3C trace context sent as a plain Kafka header travels on as the CloudEvents extension.
            let traceparent = messages[index].headers.last { $0.key == "traceparent" }?.value.flatMap(String.init(validUTF8:))
            let timestamp = messages[index].timestampMilliseconds
            // Moved out of the scratch array, last first, so that no event is copied.
            let first = events.count
            while var intakeEvent = intakeEvents.popLast() {
                eventsIn.add(topic: topic, type: intakeEvent.event.type)
                if let traceparent, intakeEvent.event.extensions["traceparent"] == nil { intakeEvent.event.extensions["traceparent"] = traceparent }
                events.append(IntakeStage.Event(event: intakeEvent.event, key: intakeEvent.key, source: source, timestampMilliseconds: timestamp))
            }
            events[first...].reverse()
        }
        return Slice(events: events, deadLetters: deadLetters, deadLetterSources: deadLetterSources)
    }

    /// A decoded batch: the events in the batch's order, slice after slice (not concatenated: that would copy
    /// every event), and the dead letters with where each was read.
    public struct Batch: Sendable {
        let slices: [[IntakeStage.Event]]
        public let deadLetters: [KafkaProducerMessage]
        public let deadLetterSources: [SourceCoordinates]

        public var events: FlattenSequence<[[IntakeStage.Event]]> { slices.joined() }
    }

    /// Decodes the messages at `indices` like `decode(_:)`, a large batch in `parallelism` slices at once.
    public func decode(_ messages: [KafkaConsumerMessage], at indices: [Int], parallelism: Int) async -> Batch {
        guard parallelism > 1, indices.count >= 2 * IntakeDecoder.minimumSlice else {
            let slice = decodeSlice(messages, at: indices)
            return Batch(slices: [slice.events], deadLetters: slice.deadLetters, deadLetterSources: slice.deadLetterSources)
        }
        let sliceSize = Swift.max(IntakeDecoder.minimumSlice, (indices.count + parallelism - 1) / parallelism)
        let ranges = stride(from: 0, to: indices.count, by: sliceSize).map { $0..<Swift.min($0 + sliceSize, indices.count) }
        var decoded = await withTaskGroup(of: (Int, Slice).self) { group in
            for (number, range) in ranges.enumerated() {
                group.addTask { (number, self.decodeSlice(messages, at: indices[range])) }
            }
            var results: [(Int, Slice)] = []
            for await result in group { results.append(result) }
            return results
        }
        decoded.sort { $0.0 < $1.0 }
        return Batch(
            slices: decoded.map(\.1.events), deadLetters: decoded.flatMap(\.1.deadLetters),
            deadLetterSources: decoded.flatMap(\.1.deadLetterSources))
    }

    /// Below this many messages a slice is not worth a task of its own.
    static let minimumSlice = 1_000

    private struct TopicAndType: Hashable {
        let topic: String
        let type: String
    }

    /// Events by topic and type, counted per batch (one metric increment per pair, not per event); consecutive
    /// events mostly share both, so a run of them is counted before it is looked up.
    private struct EventCounts {
        private var counts: [TopicAndType: Int] = [:]
        private var run: (labels: TopicAndType, count: Int)?

        mutating func add(topic: String, type: String) {
            if let current = run, current.labels.type == type, current.labels.topic == topic {
                run!.count += 1
                return
            }
            if let run { counts[run.labels, default: 0] += run.count }
            run = (TopicAndType(topic: topic, type: type), 1)
        }

        func totals() -> [TopicAndType: Int] {
            guard let run else { return counts }
            var totals = counts
            totals[run.labels, default: 0] += run.count
            return totals
        }
    }

    /// Metric labels stay bounded: a type without a schema is counted as `other`.
    private func metricType(_ type: String) -> String {
        knownTypes.contains(type) ? type : "other"
    }
}
