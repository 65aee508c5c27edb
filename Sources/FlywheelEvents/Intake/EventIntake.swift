/// Turns one inbound record into the events Flywheel processes, or into a dead letter: never both, never neither.
///
/// A CloudEvent (either content mode) is decoded; anything else is given to the source adapters. Every event is
/// then validated against its type's schema.
public struct EventIntake: Sendable {
    /// An event ready for the rules, with the entity key it travels under.
    public struct Event: Sendable, Hashable {
        public var event: CloudEvent
        public var key: String?
    }

    /// What became of a record.
    public enum Outcome: Sendable, Hashable {
        /// Zero or more events (an adapted payload may hold several, or none Flywheel uses).
        case events([Event])
        /// The record to write to the dead-letter topic, and why.
        case deadLetter(CloudEventRecord, CloudEventDecodingError)
    }

    public var codec: CloudEventKafkaCodec
    public var schemas: EventSchemas
    /// The largest dead letter to produce; above it the original value (then headers) are left out.
    public var maxDeadLetterBytes: Int

    public init(codec: CloudEventKafkaCodec = CloudEventKafkaCodec(), schemas: EventSchemas, maxDeadLetterBytes: Int = 900_000) {
        self.codec = codec
        self.schemas = schemas
        self.maxDeadLetterBytes = maxDeadLetterBytes
    }

    public func process(_ record: CloudEventRecord, source: SourceCoordinates) -> Outcome {
        var events: [Event] = []
        if let (letter, error) = process(record, source: source, appendingTo: &events) { return .deadLetter(letter, error) }
        return .events(events)
    }

    /// Like `process(_:source:)`, for a stream of records: appends the record's events to `events`, or, if it
    /// becomes a dead letter, appends nothing and returns the dead letter and why.
    public func process(
        _ record: CloudEventRecord, source: SourceCoordinates, appendingTo events: inout [Event]
    ) -> (CloudEventRecord, CloudEventDecodingError)? {
        let count = events.count
        do {
            try decode(record, appendingTo: &events)
            // By index: the events are read in place, not copied out of the array.
            for index in count..<events.count { try schemas.validate(events[index].event) }
            return nil
        } catch {
            events.removeSubrange(count...)
            return (DeadLetter.record(for: record, error: error, source: source, maxBytes: maxDeadLetterBytes), error)
        }
    }

    private func decode(_ record: CloudEventRecord, appendingTo events: inout [Event]) throws(CloudEventDecodingError) {
        if EventIntake.isCloudEvent(record) {
            let event = try codec.decode(record)
            let key = record.key.flatMap(String.init(validUTF8:)) ?? event.subject
            events.append(Event(event: event, key: key))
            return
        }
        guard let value = record.value else {
            throw CloudEventDecodingError(reason: .missingAttribute, field: "specversion", detail: "an empty record is not an event")
        }
        for adapted in try SourceAdapters.adapt(payload: value, limits: codec.limits) { events.append(Event(event: adapted.event, key: adapted.key)) }
    }

    /// Whether the record claims to be a CloudEvent: `ce_` headers or a CloudEvents content type.
    static func isCloudEvent(_ record: CloudEventRecord) -> Bool {
        record.headers.contains { header in
            header.name.hasPrefix("ce_")
                || (header.name == "content-type" && header.value?.hasASCIICaseInsensitivePrefix("application/cloudevents") == true)
        }
    }
}
