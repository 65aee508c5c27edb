import FlywheelEvents

/// One event for the engine, with its event time and, in live mode, where it was read.
public struct RuleInput: Sendable {
    public var event: CloudEvent
    /// Event time in milliseconds since the Unix epoch.
    public var time: Int64
    public var origin: SourceCoordinates?

    public init(event: CloudEvent, time: Int64, origin: SourceCoordinates? = nil) {
        self.event = event
        self.time = time
        self.origin = origin
    }

    /// The event at its CloudEvent `time`; nil when the event has no valid `time`.
    public init?(event: CloudEvent, origin: SourceCoordinates? = nil) {
        guard let time = event.timeMilliseconds else { return nil }
        self.init(event: event, time: time, origin: origin)
    }
}

/// An input event that led to a firing.
public struct EventCause: Sendable, Hashable {
    public var id: String
    public var type: String
    public var origin: SourceCoordinates?

    public init(id: String, type: String, origin: SourceCoordinates? = nil) {
        self.id = id
        self.type = type
        self.origin = origin
    }

    /// As trigger and audit records carry it: `{id, type, topic, partition, offset}`.
    var json: JSONValue {
        var members = [JSONObject.Member(key: "id", value: .string(id)), JSONObject.Member(key: "type", value: .string(type))]
        if let origin {
            members.reserveCapacity(5)
            members.append(JSONObject.Member(key: "topic", value: .string(origin.topic)))
            members.append(JSONObject.Member(key: "partition", value: .number(Double(origin.partition))))
            members.append(JSONObject.Member(key: "offset", value: .number(Double(origin.offset))))
        }
        return .object(JSONObject(uniqueMembers: members))
    }
}
