/// A Flywheel event made from a payload in another tool's format, with its entity key and the payload it came from.
public struct AdaptedEvent: Sendable, Hashable {
    public var event: CloudEvent
    /// The entity the event is about (model, repository, dataset): the Kafka key the event travels under.
    public var key: String
    /// The payload as it arrived, byte for byte; the events made from one payload share it.
    public var original: [UInt8]

    public init(event: CloudEvent, key: String, original: [UInt8]) {
        self.event = event
        self.key = key
        self.original = original
    }
}
