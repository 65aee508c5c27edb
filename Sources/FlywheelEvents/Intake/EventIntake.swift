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
        do {
            let events = try decode(record)
            for event in events { try schemas.validate(event.event) }
            return .events(events)
        } catch {
            return .deadLetter(DeadLetter.record(for: record, error: error, source: source, maxBytes: maxDeadLetterBytes), error)
        }
    }

    private func decode(_ record: CloudEventRecord) throws(CloudEventDecodingError) -> [Event] {
        if EventIntake.isCloudEvent(record) {
            let event = try codec.decode(record)
            let key = record.key.flatMap { String(validating: $0, as: UTF8.self) } ?? event.subject
            return [Event(event: event, key: key)]
        }
        guard let value = record.value else {
            throw CloudEventDecodingError(reason: .missingAttribute, field: "specversion", detail: "an empty record is not an event")
        }
        return try SourceAdapters.adapt(payload: value, limits: codec.limits).map { Event(event: $0.event, key: $0.key) }
    }

    /// Whether a content type starts with `application/cloudevents`, in any case.
    private static func isCloudEventsContentType(_ value: [UInt8]) -> Bool {
        let prefix = "application/cloudevents".utf8
        guard value.count >= prefix.count else { return false }
        return zip(value, prefix).allSatisfy { byte, wanted in
            ((UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte) == wanted
        }
    }

    /// Whether the record claims to be a CloudEvent: `ce_` headers or a CloudEvents content type.
    static func isCloudEvent(_ record: CloudEventRecord) -> Bool {
        record.headers.contains { header in
            header.name.hasPrefix("ce_")
                || (header.name == "content-type" && (header.value.map(isCloudEventsContentType) ?? false))
        }
    }
}
