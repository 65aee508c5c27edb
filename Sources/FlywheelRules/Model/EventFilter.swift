import FlywheelEvents

/// Which events a rule (or one member of a compound rule) takes: their types, `match` predicates, a `condition`,
/// and the path of the key its state is kept under.
///
/// A class, so that the engine's hot path refers to a filter without copying its parts.
public final class EventFilter: Sendable {
    public let types: [String]
    public let match: [MatchPredicate]
    public let condition: RuleExpression?
    /// The path of the event's key (`data.dataset`); the default is `subject`.
    public let key: [String]

    public init(types: [String], match: [MatchPredicate] = [], condition: RuleExpression? = nil, key: [String] = ["subject"]) {
        self.types = types
        self.match = match
        self.condition = condition
        self.key = key
    }

    /// The event's key as text: a string as it is, a number or boolean as JSON writes it; nil when missing or
    /// structured.
    func key(of event: CloudEvent) -> String? {
        EventFilter.keyText(event.value(at: key))
    }

    /// A key value as text: a string as it is, a number or boolean as JSON writes it; nil when missing, empty or
    /// structured.
    static func keyText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text): text.isEmpty ? nil : text
        case .number(let number): JSONWriter.format(number)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }
}
